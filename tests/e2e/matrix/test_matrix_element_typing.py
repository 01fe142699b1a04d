"""Commands typed the way people type them in Element (issue 17, items 5 and 7).

A typing error in a group room is answered in the person's direct chat, with only a
one-line pointer (a reply that mentions them) in the room; a near miss gets "did you mean";
``!help <command>`` shows one command's options. An edited command (Element's ``m.replace``)
runs as corrected when the first version was refused; an edit of a command that ran is
answered once that edits are not run, and then ignored; an edit in the direct chat is never
"Commands start with !"."""

from __future__ import annotations

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, Seen, after
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

POINTER = "I answered you in our direct-message room."


def said_in(person: Person, bot: PeerbotOnSynapse, room_id: str, mark: int) -> list[Seen]:
    return [s for s in person.seen[mark:] if s.event.sender == bot.user_id and s.room_id == room_id]


async def test_typing_errors_are_answered_privately_and_edits_are_read_once(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    group = await room_with_bot(alex, bot)
    mark = alex.mark()
    typo = await alex.say(group, "!meetng next")
    hint = await alex.wait_for(after(alex, mark, bot, "Did you mean !meeting next?"), "the hint")
    assert hint.room_id != group
    dm = hint.room_id
    assert "!meeting next" in hint.body
    pointer = await alex.wait_for(after(alex, mark, bot, POINTER), "the pointer")
    assert pointer.room_id == group
    assert pointer.content["m.relates_to"]["m.in_reply_to"]["event_id"] == typo
    assert pointer.content["m.mentions"] == {"user_ids": [alex.user_id]}  # alex is notified
    assert f'href="https://matrix.to/#/{alex.user_id}"' in pointer.html

    # The corrected command, as an edit of the refused one: it runs.
    await alex.edit(group, typo, "!support")
    lines = await alex.wait_for(after(alex, mark, bot, "000"), "the support lines")
    assert lines.room_id == dm
    # An edit of a command that ran: said once, then nothing.
    edit_mark = alex.mark()
    await alex.edit(group, typo, "!support filter:nsw")
    once = await alex.wait_for(after(alex, edit_mark, bot, "Edits are not run"), "once")
    assert once.room_id == dm
    await alex.edit(group, typo, "!support filter:lgbtiq")

    # One command's options.
    await alex.say(group, "!help meeting rsvp")
    helped = await alex.wait_for(after(alex, edit_mark, bot, "!meeting rsvp:"), "the help")
    assert helped.room_id == dm and "Options" in helped.body and "answer" in helped.body
    # An unknown word, and a group named without its command.
    await alex.say(group, "!meeting")
    await alex.wait_for(after(alex, edit_mark, bot, "is not a whole command"), "the group")
    await alex.say(group, "!frobnicate")
    last = await alex.wait_for(after(alex, edit_mark, bot, "no command !frobnicate"), "last")
    assert last.room_id == dm

    private = [s.body for s in said_in(alex, bot, dm, edit_mark)]
    assert sum("Edits are not run" in body for body in private) == 1, private
    assert not any("Lifeline" in body for body in private), private  # the edits did not run
    in_group = [s.body for s in said_in(alex, bot, group, mark)]
    assert in_group and all(body.endswith(POINTER) for body in in_group), in_group

    # In the direct chat, an edit of a plain message is left alone.
    mark = alex.mark()
    hello = await alex.say(dm, "!support")
    await alex.wait_for(after(alex, mark, bot, "000"), "the support lines in the DM")
    await alex.edit(dm, hello, "thanks")
    await alex.say(dm, "!privacy policy")
    await alex.wait_for(after(alex, mark, bot, "Networks:"), "the policy")
    assert not any("Commands start with" in s.body for s in alex.seen[mark:])
