"""Pages of the planner: calendar, events, iCalendar feeds, to-do list, tasks, report."""
