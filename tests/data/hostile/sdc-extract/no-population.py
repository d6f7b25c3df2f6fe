from ehrql import create_dataset
dataset = create_dataset()
