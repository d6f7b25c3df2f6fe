from cycle_a import *
y = 2
