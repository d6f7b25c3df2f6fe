from ehrql import days

gap = days(1) + 1
