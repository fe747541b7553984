"""What a screen reader or a keyboard needs of every page, checked on the HTML the server sends:
a language, one main landmark and a first-level heading, a name for every form control and
button, unique ids (labels and aria references point at one thing), and text for images."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from tests.web.ui.conftest import Ui, as_admin
from tests.web.ui.test_pages import ADMIN_PAGES, PAGES, _path, _seed_event

CONTROLS = {"input", "select", "textarea"}
UNNAMED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    in_label: bool
    text: list[str] = field(default_factory=list)


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.open_buttons: list[Element] = []
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        element = Element(tag, found, self.open_labels > 0)
        self.elements.append(element)
        if tag == "html":
            self.html_lang = found.get("lang", "")
        if tag == "label":
            self.open_labels += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        if tag == "button":
            self.open_buttons.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)
        if tag == "button" and self.open_buttons:
            self.open_buttons.pop()

    def handle_data(self, data: str) -> None:
        for button in self.open_buttons:
            button.text.append(data)


def problems(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    found = []
    if not page.html_lang:
        found.append("<html> has no lang")
    tags = [e.tag for e in page.elements]
    if tags.count("main") != 1:
        found.append(f"{tags.count('main')} <main> landmarks")
    if "h1" not in tags:
        found.append("no <h1>")
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    found += [f"id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for e in page.elements:
        found += _unnamed(e, page.label_for)
    return found


def _unnamed(e: Element, label_for: set[str]) -> list[str]:
    named = bool(
        e.attrs.get("aria-label") or e.attrs.get("aria-labelledby") or e.attrs.get("title")
    )
    if e.tag in CONTROLS and e.attrs.get("type", "text") not in UNNAMED_INPUTS:
        if not (named or e.in_label or e.attrs.get("id") in label_for):
            return [f"<{e.tag} name={e.attrs.get('name')!r}> has no label"]
    if e.tag == "button" and not (named or "".join(e.text).strip()):
        return ["a <button> has no text"]
    if e.tag == "img" and "alt" not in e.attrs:
        return [f"<img src={e.attrs.get('src')!r}> has no alt"]
    return []


def test_every_page_names_its_controls_and_landmarks(ui: Ui) -> None:
    _seed_event(ui)
    as_admin(ui.client)
    found = {}
    for path in [*PAGES, *ADMIN_PAGES, "/activity/1", "/login"]:
        answer = ui.client.get(_path(ui, path))
        assert answer.status_code == 200, path
        if wrong := problems(answer.text):
            found[path] = wrong
    assert found == {}


def test_the_checker_finds_what_is_missing() -> None:
    bad = (
        '<html><body><h2>x</h2><form><input name="q"><select id="s" name="s"></select>'
        '<button type="submit"></button><img src="a.png"><p id="s"></p></form></body></html>'
    )
    assert problems(bad) == [
        "<html> has no lang",
        "0 <main> landmarks",
        "no <h1>",
        "id 's' is used twice",
        "<input name='q'> has no label",
        "<select name='s'> has no label",
        "a <button> has no text",
        "<img src='a.png'> has no alt",
    ]
