"""axe-core in chromium: every page type, as every role, and after the main HTMX and WebSocket
interactions, has no critical or serious WCAG 2.0/2.1 A/AA violation; and at 320 px no page
scrolls sideways (issue 18, items 3 and 4).

axe-core is the registry package's build, vendored in tests/e2e/vendor/axe-core/ (no CDN).
Playwright adds it to each page as a script tag; the audited contexts bypass the site's
Content-Security-Policy for that (lms/tests/test_e2e_csp.py checks the policy itself).
Run with `-s` to see every page and rule checked.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from lms.tests.e2e import answer_quiz_correctly, login
from lms.tests.site_world import seed

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "tests" / "e2e" / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Named in issue 18 but outside those tags (heading-order is a best practice; the name
# mismatch is an experimental WCAG 2.5.3 rule): run too, and held to no violation at all.
EXTRA_RULES = ["heading-order", "label-content-name-mismatch"]
ISSUE_RULES = {
    "link-in-text-block",
    "label-content-name-mismatch",
    "listitem",
    "document-title",
    "html-has-lang",
    "heading-order",
}
BLOCKING = {"critical", "serious"}

RUN_AXE = """async ({tags, extra}) => {
  const rules = Object.fromEntries(extra.map((id) => [id, {enabled: true}]));
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
  return {
    checked: [...results.passes, ...results.violations, ...results.incomplete].map((r) => r.id),
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)}`),
    })),
  };
}"""

# What sticks out past the right edge, outside any scrolling box of its own: the outermost
# such elements, and the innermost (which usually force it), for the failure message.
WIDER_THAN_VIEWPORT = """() => {
  const root = document.documentElement;
  const edge = root.clientWidth + 1;
  const sticksOut = (el) => {
    if (el.getBoundingClientRect().right <= edge || !el.checkVisibility()) return false;
    // A scrolling box clips what it holds, except what is positioned against a box outside it.
    const position = getComputedStyle(el).position;
    if (position === "fixed") return true;
    let box = position === "absolute" ? el.offsetParent : el.parentElement;
    for (; box && box !== root; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible" && box.getBoundingClientRect().right <= edge) return false;
    }
    return true;
  };
  const out = [...document.body.querySelectorAll("*")].filter(sticksOut);
  const name = (el) =>
    `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(el.getBoundingClientRect().right)}px)`;
  const outer = out.filter((el) => !out.includes(el.parentElement)).slice(0, 3);
  const inner = out.filter((el) => !out.some((other) => other !== el && el.contains(other))).slice(0, 3);
  const wide = [...new Set([...outer, ...inner])].map(name);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""


def not_found_html() -> str:
    """The site's 404 page as production renders it (the test server runs with DEBUG on,
    which shows Django's technical page instead)."""
    with _debug_off():
        response = Client().get("/no-such-page/")
    assert response.status_code == 404
    return response.content.decode()


class _debug_off:
    def __enter__(self):
        self.was = settings.DEBUG
        settings.DEBUG = False

    def __exit__(self, *exc):
        settings.DEBUG = self.was


def serve_not_found(page, html: str) -> None:
    page.route("**/no-such-page/", lambda route: route.fulfill(status=404, body=html, content_type="text/html"))


class Audit:
    """axe-core's findings, page by page."""

    def __init__(self):
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.rules: set[str] = set()
        self.pages = 0

    def run(self, page, role: str, where: str) -> None:
        page.wait_for_load_state("networkidle")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN_AXE, {"tags": TAGS, "extra": EXTRA_RULES})
        self.pages += 1
        self.rules.update(result["checked"])
        found = [f"{v['id']} ({v['impact']})" for v in result["violations"]]
        self.lines.append(f"{role:17} {where:55} {len(result['checked'])} rules; {', '.join(found) or 'no violation'}")
        for violation in result["violations"]:
            if violation["impact"] in BLOCKING or violation["id"] in ISSUE_RULES:
                nodes = "\n      ".join(violation["nodes"][:4])
                self.failures.append(
                    f"{role} {where}: {violation['id']} ({violation['impact']}) {violation['help']}\n      {nodes}"
                )

    def report(self) -> str:
        return (
            f"axe-core {TAGS} + {EXTRA_RULES}: {self.pages} pages, {len(self.rules)} rules checked\n"
            + "\n".join(self.lines)
            + f"\nRules checked: {', '.join(sorted(self.rules))}"
        )


def signed_in_page(new_page, email: str | None, **options):
    page = new_page(bypass_csp=True, **options)
    if email:
        login(page, email)
    return page


def test_every_page_as_every_role_has_no_serious_axe_violation(new_page, asgi_server):
    world = seed()
    not_found = not_found_html()
    audit = Audit()
    pages = {}
    for role, (email, paths) in world.pages.items():
        page = pages[role] = signed_in_page(new_page, email)
        serve_not_found(page, not_found)
        for path in [*paths, "/no-such-page/"]:
            page.goto(path)
            audit.run(page, role, path)

    # HTMX: mark complete, submit a quiz, request a booking.
    learner = pages["enrolled student"]
    learner.goto(world.mark_complete_url)
    learner.get_by_role("button", name="Mark as complete").click()
    learner.get_by_role("status").filter(has_text="Lesson complete").wait_for()
    audit.run(learner, "enrolled student", "after Mark as complete")

    learner.goto(world.quiz_url)
    answer_quiz_correctly(learner)
    learner.get_by_role("region", name="Check").get_by_text("Passed with 100%").wait_for()
    audit.run(learner, "enrolled student", "after Submit answers")

    # ... and the request arrives on the teacher's open dashboard over the WebSocket.
    teacher = pages["teacher"]
    teacher.goto("/dashboard/teacher/")
    learner.goto(f"/teachers/{world.teacher_slug}/")
    widget = learner.get_by_role("region", name="Book a live class")
    widget.get_by_role("radio").first.check()
    widget.get_by_role("button", name="Request this time").click()
    widget.get_by_text("Request sent for").wait_for()
    audit.run(learner, "enrolled student", "after Request this time")
    teacher.get_by_role("article", name=f"Request from {world.enrolled_name}").wait_for(timeout=15_000)
    audit.run(teacher, "teacher", "after a booking request arrived live")

    # WebSocket: a chat message sent by one side and received by the other.
    teacher.goto(world.conversation_url)
    learner.goto(world.conversation_url)
    learner.get_by_text("Online").wait_for()
    learner.get_by_label("Message", exact=True).fill("A message sent live")
    learner.get_by_role("button", name="Send").click()
    teacher.get_by_role("log").get_by_text("A message sent live").wait_for()
    learner.get_by_text("Seen", exact=True).wait_for()
    audit.run(learner, "enrolled student", "after sending a chat message")
    audit.run(teacher, "teacher", "after receiving a chat message")

    print("\n" + audit.report())
    assert not audit.failures, (
        f"{len(audit.failures)} blocking violations:\n" + "\n".join(audit.failures) + ("\n\n" + audit.report())
    )


def test_no_page_scrolls_sideways_at_320_px(new_page, asgi_server):
    world = seed()
    not_found = not_found_html()
    wide, checked = [], 0
    for role, (email, paths) in world.pages.items():
        page = signed_in_page(new_page, email, viewport={"width": 320, "height": 640})
        serve_not_found(page, not_found)
        for path in [*paths, "/no-such-page/"]:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found = page.evaluate(WIDER_THAN_VIEWPORT)
            checked += 1
            print(f"320px {role:17} {path:55} scrollWidth {found['scrollWidth']} / {found['clientWidth']}")
            if found["scrollWidth"] > found["clientWidth"]:
                wide.append(f"{role} {path}: {found['scrollWidth']} > {found['clientWidth']}; {found['wide']}")
    assert checked > 50
    assert not wide, f"{len(wide)} of {checked} pages scroll sideways at 320 px:\n" + "\n".join(wide)
