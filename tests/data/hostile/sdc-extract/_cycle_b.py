from import_cycle import *
