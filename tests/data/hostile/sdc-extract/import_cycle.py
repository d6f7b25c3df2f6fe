from _cycle_b import *
