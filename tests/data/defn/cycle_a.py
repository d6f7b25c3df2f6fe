from cycle_b import *
x = 1
