from no_such_module import *
