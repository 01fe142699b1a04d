"""Issue 7's and issue 18's "done when" on the console, as people would try it: on a fresh
start a search for crisis finds Lifeline, a misspelt supervision asks "did you mean" and its
button finds supervision resources, and a member's suggestion reaches the coordinator's review
queue and, once approved, is found by search. "peer" lists the Peer entries first, "jobs"
finds job postings, "self care" shows nothing unrelated, "self harm" with no match shows 000
and the support lines, and a refused link in the form asks again for that field only."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings


async def test_resources_scenario(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()

    async def run(script: str) -> str:
        start = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:  # deliveries print to the same output as the console
            app.start_worker([console.port])
        assert app.worker is not None
        console.settle = app.worker.run_once  # as `peerbot run` does: deliver before each line
        await console.run()
        return " ".join(out.getvalue()[start:].split())  # the console wraps long lines

    try:
        fresh = await run(
            "/as newcomer\n/resources search query:crisis\n/resources search query:supervison\n1\n"
        )
        assert "Lifeline (entry" in fresh and "13 11 14" in fresh
        typo, _, pressed = fresh.partition("query:supervison")[2].partition("> 1")
        assert "Did you mean 'supervision'?" in typo and "Guidelines" not in typo
        assert "Resources for 'supervision': 2 found" in pressed
        assert "National Lived Experience (Peer) Workforce Development Guidelines" in pressed

        suggested = await run(
            '/as you\n/network create name:"South Coast" slug:south-coast\n'
            "/network role network:south-coast member:casey role:coordinator\n"
            "/as robin\n/network join network:south-coast\n"
            "/resources submit area:support type:template network:south-coast\n"
            "Peer supervision agreement template\n"
            "https://example.org/agreement\n"
            "A template agreement for peer supervision sessions.\n"
            "supervision agreement\n"
            "\n"
        )
        assert "is waiting for review" in suggested

        reviewed = await run(
            "/as casey\n/resources review network:south-coast\n1\n"
            "/as robin\n/resources search query:agreement\n"
        )
        assert "1 suggestion waiting" in reviewed
        assert "Approved: 'Peer supervision agreement template'" in reviewed
        assert "[private message to robin]" in reviewed
        assert reviewed.count("Peer supervision agreement template (entry") == 1

        searched = await run(
            "/as casey\n"
            '/library add title:"Peer worker, Wollongong" link:www.example.org/job '
            'summary:"A part-time role." area:system type:job network:south-coast\n'
            "/as robin\n/resources search query:peer\n/resources search query:jobs\n"
            '/resources search query:"self care"\n/resources search query:"self harm"\n'
        )
        assert "https://www.example.org/job" in searched  # https:// added to www.
        peer = searched.partition("query:peer")[2].partition("> /resources")[0]
        assert "Resources for 'peer': 11 found, showing 1 to 5" in peer
        assert peer.partition("(page 1 of 3). ")[2].startswith("Peer ")
        assert "Peer Work Strategic Framework (WAAMH) (entry" in peer
        assert "Peer supervision agreement template (entry" in peer
        assert "Peer worker, Wollongong (entry" in peer
        assert "QLife" not in peer  # on the second page, after every title with peer in it
        jobs = searched.partition("query:jobs")[2].partition("> /resources")[0]
        assert "Resources for 'jobs': 1 found" in jobs and "Peer worker, Wollongong" in jobs
        care = searched.partition('query:"self care"')[2].partition("> /resources")[0]
        assert "Resources for 'self care': nothing found." in care and "Framework" not in care
        harm = searched.partition('query:"self harm"')[2]
        assert "Nothing in the resource library matched 'self harm'." in harm
        assert "call 000" in harm and "Lifeline" in harm and "13 11 14" in harm

        refused = await run(
            "/as robin\n/resources submit area:support type:form network:south-coast\n"
            "Leave request\nexample\nA form to ask for leave.\nleave\n\n"
            "https://example.org/leave\n"
        )
        assert "The link must be a web address starting with http:// or https://" in refused
        asked = refused.partition("Type that field again")[2]
        assert "Title" not in asked and "Link (https://...) or phone number" in asked
        assert "Thank you. Your suggestion 'Leave request'" in refused

    finally:
        await app.stop()


async def test_edit_then_approve_on_the_console(tmp_path: Path) -> None:
    """Issue 18 item 10: "Edit, then approve" asks every field of the suggestion again; an
    empty line keeps what was suggested."""
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel,
        stdin=io.StringIO(
            '/as you\n/network create name:"South Coast" slug:south-coast\n'
            "/network role network:south-coast member:casey role:coordinator\n"
            "/as robin\n/network join network:south-coast\n"
            "/resources submit area:support type:form network:south-coast\n"
            "Leave request\nhttps://example.org/leave\nA form to ask for leave.\nleave\n\n"
            "/as casey\n/library review network:south-coast\n2\n"
            "Leave request form\n\n\n\n\n"
            "/as robin\n/resources search query:leave\n"
        ),
        stdout=out,
        interactive=False,
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once
    try:
        await console.run()
    finally:
        await app.stop()
    edited = " ".join(out.getvalue().partition("/library review")[2].split())
    assert "1 suggestion waiting" in edited and "[2] Edit, then approve" in edited
    assert "Title: Leave request form" in edited
    assert "Closing date, jobs/training (optional):" in edited
    assert "Approved as edited: 'Leave request form' is entry" in edited, edited
    assert "The reviewer changed its title before adding it, as 'Leave request form'." in edited
    assert "Leave request form (entry" in edited and "https://example.org/leave" in edited
