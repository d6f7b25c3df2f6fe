def add_sequential_dates(
    dataset, name_template, events, column, count, sort_column=None
):
    """Add name_template.format(n=1..count): the column of the first,
    second, ... event in sort_column order."""
    sort_column = sort_column or column
    for index in range(count):
        key = getattr(events, sort_column)
        next_event = events.sort_by(key).first_for_patient()
        events = events.where(
            getattr(events, sort_column) > getattr(next_event, sort_column)
        )
        name = name_template.format(n=index + 1)
        setattr(dataset, name, getattr(next_event, column))
