"""The shared report kit: what every report is made of.

- `cells`: the signs a hidden, zero or plain cell shows, signed changes
- `tables`: the view model handed to templates (columns, rows, tables, matrices, charts)
- `columns`: the indicator columns of every report table, derived from the specs' `shown_in`
- `figures`: indicator rows looked up by key, breakdown order
- `charts`: Matplotlib charts as inline SVG
- `formatting`, `text`: German numbers, dates and phrases
- `sql`, `files`, `templating`, `index`: reading queries, writing files, Jinja, the index page

Kept free of imports at package level, so any of its modules can be imported without a cycle.
"""
