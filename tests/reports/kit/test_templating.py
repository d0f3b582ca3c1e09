"""The report templates' environment (reports/kit/templating.py): the CSS string filter that puts a
report's title into the page footer of the print style sheet."""

from __future__ import annotations

from reports.kit.templating import css_string, environment


def test_a_title_becomes_a_css_string_that_cannot_leave_the_style_sheet():
    assert css_string("Monatsbericht – Oktober 2026") == '"Monatsbericht – Oktober 2026"'
    hostile = 'Stadt "X"\\ </style><script>alert(1)</script>\n'
    text = str(css_string(hostile))
    assert text.startswith('"') and text.endswith('"')
    inner = text[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner
    assert "\\22 " in inner and "\\5c " in inner and "\\3c " in inner and "\\a " in inner


def test_the_print_footer_carries_the_escaped_title():
    page = environment().get_template("index.html.j2").render(city="A&B </style>", title="A&B </style>", years=[], count=0)  # fmt: skip
    style = page[page.index("<style>") : page.index("</style>")]
    assert '@bottom-left { content: "A\\26 B \\3c /style\\3e ";' in style
    assert 'counter(page) " von " counter(pages)' in style
