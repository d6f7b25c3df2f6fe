from import_self import *
