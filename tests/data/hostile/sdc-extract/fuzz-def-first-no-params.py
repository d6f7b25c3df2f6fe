# found by fuzz_defn: a definition whose first statement is a def
# without parameters (parse.c: NULL + 0)
def f():
    return 1
