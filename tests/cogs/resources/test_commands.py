"""The /resources commands through the registry, as people use them: search with filters and
paging, show, browse, submit then review, curating, stale entries, and privacy."""

from __future__ import annotations

import json
from typing import Any

from bot.replies import Reply
from cogs.resources.views import EMBEDS_TEXT_MAX, card, card_size
from tests.cogs.resources.conftest import World, key

LINK = "https://example.org/supervision-template"


def by_label(reply: Reply, label: str) -> Any:
    return next(b.action for b in reply.buttons if b.label == label)


async def add(world: World, who: str, title: str, **extra: Any) -> Reply:
    arguments: dict[str, Any] = {
        "title": title,
        "link": LINK,
        "summary": f"About {title.lower()}.",
        "area": "support",
        "type": "template",
        "network": "south-coast",
        **extra,
    }
    return await world.run(who, "resources add", **arguments)


async def test_search_as_a_new_user_finds_lifeline(world: World) -> None:
    reply = await world.run("stranger", "resources search", query="crisis")
    assert reply.private
    assert "Lifeline" in reply.text and "13 11 14" in reply.text
    assert reply.cards[0].title.startswith("Resources for 'crisis':")
    assert any(c.title == "Lifeline" and c.url == "https://lifeline.org.au" for c in reply.cards)
    # As in /support, the emergency number comes first, then the 24/7 lines.
    assert reply.cards[1].title.startswith("Emergency"), [c.title for c in reply.cards]
    assert reply.text.index("000") < reply.text.index("Lifeline")


async def test_a_typo_asks_did_you_mean_and_its_button_searches_for_it(world: World) -> None:
    reply = await world.run("stranger", "resources search", query="supervison")
    assert reply.private
    assert reply.text == (
        "Resources for 'supervison': nothing matched. Did you mean 'supervision'? Press the "
        "button to search for that instead."
    )
    assert reply.cards == []  # nothing is shown as if it were a result
    assert [b.label for b in reply.buttons] == ["Search for 'supervision'"]
    found = await world.press("stranger", reply.buttons[0].action)
    assert found.text.startswith("Resources for 'supervision': 2 found"), found.text
    assert "Workforce Development Guidelines" in found.text


async def test_one_word_misspelt_shows_the_rest_and_asks_about_it(world: World) -> None:
    reply = await world.run("stranger", "resources search", query="lifelnie crisis")
    assert reply.text.startswith("Resources for 'lifelnie crisis': 16 found"), reply.text
    assert "Not every word matched. Did you mean 'lifeline crisis'?" in reply.text
    assert "Did you mean 'lifeline crisis'?" in reply.cards[0].description
    assert [b.label for b in reply.buttons] == ["Next", "Search for 'lifeline crisis'"]
    found = await world.press("stranger", by_label(reply, "Search for 'lifeline crisis'"))
    assert found.text.startswith("Resources for 'lifeline crisis': 1 found"), found.text


async def test_search_with_filters(world: World) -> None:
    reply = await world.run(
        "mia", "resources search", query="crisis", type="support-line", region="nsw"
    )
    assert "NSW Mental Health Line" in reply.text
    vic = await world.run("mia", "resources search", query="crisis", region="vic")
    assert "NSW Mental Health Line" not in vic.text


async def test_bad_input_gets_clear_messages(world: World) -> None:
    for query in ['""', "***", "NEAR", "- -"]:
        reply = await world.run("mia", "resources search", query=query)
        assert "no words to look for" in reply.text, query
    empty = await world.run("mia", "resources search", query="   ")
    assert "needs the option 'query'" in empty.text
    long = await world.run("mia", "resources search", query="x" * 2000)
    assert "at most 200 characters" in long.text
    area = await world.run("mia", "resources search", query="peer", area="feelings")
    assert "The option 'area' must be one of: defining, support, system, developing" in area.text
    kind = await world.run("mia", "resources browse", area="support", type="poem")
    assert "The option 'type' must be one of:" in kind.text
    for reply in (empty, long, area, kind):
        assert "fts5" not in reply.text.lower() and "syntax" not in reply.text.lower()


async def test_paging_buttons_walk_the_results(world: World) -> None:
    for number in range(12):
        created = await add(world, "carol", f"Supervision template {number:02d}")
        assert created.text.startswith("Added entry"), created.text
    first = await world.run("mia", "resources search", query="supervision template")
    assert "12 found, showing 1 to 5 (page 1 of 3)" in first.text
    assert [b.label for b in first.buttons] == ["Next"]
    second = await world.press("mia", by_label(first, "Next"))
    assert "showing 6 to 10 (page 2 of 3)" in second.text
    assert [b.label for b in second.buttons] == ["Previous", "Next"]
    third = await world.press("mia", by_label(second, "Next"))
    assert "showing 11 to 12 (page 3 of 3)" in third.text
    assert [b.label for b in third.buttons] == ["Previous"]
    back = await world.press("mia", by_label(third, "Previous"))
    assert back.text == second.text
    assert all(len(b.action.encode()) <= 100 for b in first.buttons)


async def test_an_unknown_search_button_says_it_is_out_of_date(world: World) -> None:
    first = await world.run("mia", "resources search", query="crisis")
    stale = by_label(first, "Next").model_copy(update={"payload": "nosuchtoken:1"})
    reply = await world.press("mia", stale)
    assert "out of date" in reply.text and "/resources search again" in reply.text


async def test_show_by_number_or_title(world: World) -> None:
    by_title = await world.run("mia", "resources show", entry="lifeline")
    assert by_title.cards[0].title == "Lifeline"
    number = by_title.cards[0].footer.removeprefix("Entry ")
    by_number = await world.run("mia", "resources show", entry=f"#{number}")
    assert by_number.cards[0].title == "Lifeline"
    missing = await world.run("mia", "resources show", entry="99999")
    assert "no entry '99999' that you can see" in missing.text


async def test_browse_an_area_by_type(world: World) -> None:
    reply = await world.run("mia", "resources browse", area="help-lines")
    assert reply.select is not None
    assert [c.value for c in reply.select.choices] == ["support-line"]
    lines = await world.press("mia", reply.select.action, selected=("support-line",))
    assert "Crisis and support lines, Support line: 23 found" in lines.text
    assert [b.label for b in lines.buttons] == ["Next"]
    empty = await world.run("mia", "resources browse", area="help-lines", type="job")
    assert "nothing found" in empty.text


async def test_submit_review_approve_then_search_finds_it(world: World) -> None:
    opened = await world.run("mia", "resources submit", area="support", type="template")
    assert opened.form is not None
    fields = {
        "title": "Peer supervision agreement template",
        "link": LINK,
        "summary": "A template agreement for peer supervision sessions.",
        "tags": "supervision agreement",
    }
    sent = await world.press("mia", opened.form.action, fields)
    assert sent.text.startswith("Thank you. Your suggestion"), sent.text
    before = await world.run("mia", "resources search", query="agreement")
    assert "nothing found" in before.text

    queue = await world.run("carol", "resources review", network="south-coast")
    assert "1 suggestion waiting" in queue.text
    assert "Peer supervision agreement template" in queue.text
    approved = await world.press("carol", by_label(queue, "Approve"))
    assert approved.text.startswith("Approved: 'Peer supervision agreement template' is entry")
    assert "No suggestions are waiting" in approved.text
    again = await world.press("carol", by_label(queue, "Approve"))
    assert "already approved" in again.text

    await world.deliver()
    assert any("was approved" in text for text in world.dms("mia"))
    found = await world.run("max", "resources search", query="agreement")
    assert "Peer supervision agreement template" in found.text
    hidden = await world.run("ben", "resources search", query="agreement")
    assert "nothing found" in hidden.text


async def test_reject_with_a_reason_the_submitter_sees_privately(world: World) -> None:
    opened = await world.run(
        "max", "resources submit", area="developing", type="training", network="south-coast"
    )
    assert opened.form is not None
    fields = {"title": "A course", "link": "02 9999 9999", "summary": "A course.", "closes": ""}
    await world.press("max", opened.form.action, fields)
    queue = await world.run("eve", "resources review", network="south-coast")
    form = await world.press("eve", by_label(queue, "Reject"))
    assert form.form is not None
    blank = await world.press("eve", form.form.action, {"reason": "  "})
    assert "Give a reason" in blank.text
    outsider = await world.press("bea", form.form.action, {"reason": "No."})
    assert "Only an executive or coordinator of the network" in outsider.text
    done = await world.press("eve", form.form.action, {"reason": "We already list it."})
    assert done.text.startswith("Rejected 'A course'")
    await world.deliver()
    assert world.dms("max") == [
        "Your suggestion 'A course' was not added to the resource library. "
        "The reviewer's reason: We already list it."
    ]
    assert world.dms("eve") == []


async def test_a_submission_with_a_bad_link_changes_nothing(world: World) -> None:
    opened = await world.run("mia", "resources submit", area="support", type="form")
    assert opened.form is not None
    fields = {"title": "A form", "link": "ftp://example.org/form", "summary": "A form."}
    reply = await world.press("mia", opened.form.action, fields)
    assert reply.text.startswith(
        "The link must be a web address starting with http:// or https://. Nothing was sent yet"
    ), reply.text
    bad_date = await world.press("mia", opened.form.action, {**fields, "closes": "soon"})
    assert "must be written like 2027-03-31" in bad_date.text
    assert await world.service.pending(world.south) == []


async def test_coordinators_add_to_their_network_and_admins_share(world: World) -> None:
    added = await add(world, "carol", "Coast roster", link="02 4444 4444")
    assert added.text.startswith("Added entry")
    assert "phone 02 4444 4444" in added.text
    shared = await add(world, "carol", "Shared thing", shared=True)
    assert "Only a peerbot admin can add an entry shared by every network" in shared.text
    by_admin = await add(world, "admin", "Shared thing", shared=True)
    assert by_admin.text.startswith("Added entry")
    assert "Shared thing" in (await world.run("ben", "resources search", query="shared")).text
    bad = await add(world, "carol", "Bad", link="mailto:someone@example.org")
    assert "The link must be a web address starting with http:// or https://" in bad.text


async def test_edit_and_retire_are_for_the_entry_s_own_curators(world: World) -> None:
    added = await add(world, "carol", "Coast roster")
    number = added.text.split("entry ")[1].split(".")[0]
    refused = await world.run("bea", "resources edit", entry=number, title="Mine now")
    assert "no entry" in refused.text
    seed = await world.run("carol", "resources retire", entry="Lifeline")
    assert "only a peerbot admin of it can change it" in seed.text
    nothing = await world.run("carol", "resources edit", entry=number)
    assert nothing.text.startswith("Say what to change")
    edited = await world.run("carol", "resources edit", entry=number, title="Coast roster 2027")
    assert edited.text.startswith(f"Changed entry {number}.")
    bad = await world.run("carol", "resources edit", entry=number, link="not a link")
    assert "The link must be a web address" in bad.text
    retired = await world.run("carol", "resources retire", entry=number)
    assert retired.text.startswith(f"Retired entry {number}")
    assert "nothing found" in (await world.run("mia", "resources search", query="roster")).text


async def test_stale_entries_and_marking_them_checked(world: World) -> None:
    fresh = await world.run("carol", "resources stale", network="south-coast")
    assert fresh.text.startswith("Every entry has been checked in the last 12 months")
    await add(world, "carol", "Coast roster", network="south-coast")
    await world.kernel.db.fetch_all("SELECT 1")
    async with world.kernel.db.transaction() as tx:
        await tx.execute("UPDATE resources SET last_checked = '2025-01-01'")
    reply = await world.run("carol", "resources stale", network="south-coast")
    assert reply.select is not None
    assert [c.label for c in reply.select.choices] == ["Coast roster"]  # not the shared seed
    admin = await world.run("admin", "resources stale", network="south-coast")
    assert admin.select is not None and len(admin.select.choices) > 1
    done = await world.press(
        "carol", reply.select.action, selected=(reply.select.choices[0].value,)
    )
    assert done.text.startswith("Marked checked today: Coast roster")
    after = await world.run("carol", "resources stale", network="south-coast")
    assert after.text.startswith("Every entry has been checked")


async def test_privacy_export_and_delete(world: World) -> None:
    opened = await world.run("mia", "resources submit", area="support", type="template")
    assert opened.form is not None
    await world.press(
        "mia", opened.form.action, {"title": "Mine", "link": LINK, "summary": "Mine."}
    )
    queue = await world.run("carol", "resources review", network="south-coast")
    await world.press("carol", by_label(queue, "Approve"))
    exported = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    mine = exported["resources"]
    assert mine["submissions"][0]["entry"]["title"] == "Mine"
    assert mine["entries_added"][0]["title"] == "Mine"
    json.dumps(mine)
    refused = await world.press(
        "mia", opened.form.action, {"title": "Typed", "link": "not a link", "summary": "Kept."}
    )
    assert refused.form is not None
    kept = (await world.kernel.privacy.export(world.kernel.db, key("mia")))["resources"]
    assert kept["forms_being_fixed"][0]["typed"]["title"] == "Typed"
    await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    after = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    assert after["resources"] == {
        "forms_being_fixed": [],
        "submissions": [],
        "entries_added": [],
        "saved_entries": [],
    }
    still = await world.run("max", "resources search", query="mine")
    assert "Mine" in still.text


async def test_linking_accounts_moves_suggestions_and_entries(world: World) -> None:
    opened = await world.run("mia", "resources submit", area="support", type="template")
    assert opened.form is not None
    await world.press("mia", opened.form.action, {"title": "Mine", "link": LINK, "summary": "M."})
    queue = await world.run("carol", "resources review", network="south-coast")
    await world.press("carol", by_label(queue, "Approve"))
    shown = await world.run("mia", "resources show", entry="lifeline")
    await world.press("mia", by_label(shown, "Save"))
    async with world.kernel.db.transaction() as tx:
        moved = await world.kernel.privacy.move_in(tx, key("mia"), key("mia-matrix"))
    assert moved["resources"] == 3  # the suggestion, the entry added from it, the saved entry
    exported = await world.kernel.privacy.export(world.kernel.db, key("mia-matrix"))
    assert exported["resources"]["entries_added"][0]["title"] == "Mine"
    assert [e["title"] for e in exported["resources"]["saved_entries"]] == ["Lifeline"]
    old = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    assert old["resources"] == {
        "forms_being_fixed": [],
        "submissions": [],
        "entries_added": [],
        "saved_entries": [],
    }


async def test_a_page_of_long_entries_fits_one_discord_message(world: World) -> None:
    for number in range(5):
        await add(
            world,
            "carol",
            f"Long {number} " + "t" * 140,
            link="02 4444 4444",
            summary="s" * 600,
            tags=" ".join(f"tag{n}" for n in range(40))[:200],
            type="job",
            closes="2027-12-31",
            audience="organisations",
            region="act",
        )
    entries = [await world.service.find(f"Long {n} " + "t" * 140, [world.south]) for n in range(5)]
    # As long as entries can be: close to Discord's 6,000 characters for one message's embeds.
    assert sum(card_size(card(r)) for r in entries) > EMBEDS_TEXT_MAX
    reply = await world.run("mia", "resources search", query="long")
    assert len(reply.cards) == 6
    assert sum(card_size(c) for c in reply.cards) <= EMBEDS_TEXT_MAX
    assert reply.cards[1].description.endswith("…")
    shown = await world.run("mia", "resources show", entry=reply.cards[1].footer.split()[1])
    assert shown.cards[0].description == "s" * 600


async def test_a_reviewer_edits_a_suggestion_then_approves_it(world: World) -> None:
    """Issue 18 item 10: "Edit, then approve" opens the suggestion's form filled in; a refused
    edit keeps what the reviewer typed; the approval is audited with the fields changed (never
    their text) and the person is told what changed."""
    opened = await world.run("mia", "resources submit", area="support", type="template")
    assert opened.form is not None
    sent = {
        "title": "Supervison agreement",
        "link": "https://example.org/agreement",
        "summary": "A template agreement.",
        "tags": "supervision",
    }
    await world.press("mia", opened.form.action, sent)
    queue = await world.run("carol", "resources review", network="south-coast")
    assert [b.label for b in queue.buttons] == ["Approve", "Edit, then approve", "Reject"]
    outsider = await world.press("bea", by_label(queue, "Edit, then approve"))
    assert "Only an executive or coordinator of the network" in outsider.text
    form = await world.press("carol", by_label(queue, "Edit, then approve"))
    assert form.form is not None and form.form.title == "Edit, then approve"
    filled = {f.name: f.default for f in form.form.fields}
    assert filled == {**sent, "closes": ""}

    bad = {**filled, "title": "Supervision agreement template", "link": "not a link"}
    refused = await world.press("carol", form.form.action, bad)
    assert refused.text.startswith("The link must be a web address"), refused.text
    assert "Nothing was approved" in refused.text
    assert (
        "1 suggestion waiting"
        in (await world.run("carol", "resources review", network="south-coast")).text
    )
    again = await world.press("carol", by_label(refused, "Edit, then approve"))
    assert again.form is not None
    assert {f.name: f.default for f in again.form.fields}["title"] == bad["title"]
    theirs = await world.press("eve", by_label(refused, "Edit, then approve"))
    assert theirs.text.startswith("peerbot no longer holds your edit")  # carol's, not eve's

    fixed = {**bad, "link": "www.example.org/agreement-template"}
    done = await world.press("carol", again.form.action, fixed)
    assert done.text.startswith("Approved as edited: 'Supervision agreement template' is entry"), (
        done.text
    )
    assert "No suggestions are waiting" in done.text
    twice = await world.press("carol", again.form.action, fixed)
    assert "already approved" in twice.text

    await world.deliver()
    [told] = world.dms("mia")
    assert told.startswith("Your suggestion 'Supervison agreement' was approved")
    assert "The reviewer changed its title and link before adding it, as " in told
    found = await world.run("max", "resources search", query="agreement")
    assert "Supervision agreement template" in found.text
    assert "https://www.example.org/agreement-template" in found.text
    rows = await world.kernel.db.fetch_all(
        "SELECT action, detail FROM audit_log WHERE action = 'resource.approve'"
    )
    assert [(r["action"], r["detail"]) for r in rows] == [
        ("resource.approve", "submission 1, edited: title, link")
    ]
