"""The shared report kit: what every report is made of.

- `cells`: the signs a hidden, zero or plain cell shows, signed changes
- `tables`: the view model handed to templates (columns, rows, tables, matrices, charts)
- `columns`: the indicator column lists of every report table (one place)
- `figures`: indicator rows looked up by key, breakdown order
- `charts`: Matplotlib charts as inline SVG
- `formatting`, `text`: German numbers, dates and phrases
- `sql`, `files`, `templating`, `index`: reading queries, writing files, Jinja, the index page

Kept free of imports at package level, so `reports.formatting` (an alias of
`reports.kit.formatting`) can be imported from anywhere without a cycle.
"""
