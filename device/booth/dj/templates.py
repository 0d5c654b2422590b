"""What the DJ can say: sentence templates, grouped by situation.

A template is used only when every slot it names has a value, so a line can never state a
fact Booth does not have. A slot written with a capital (``{Title}``) starts a sentence and is
capitalised. Slots:

next track   title, artist, album, year, genre, track_no   (title only when it came from tags)
             file: the name of a track without a title tag, always said as a file name
previous     prev_title, prev_artist, prev_album, prev_file
history      plays (times played before), since (how long since it last played)
the pick     reason (the picker's own short phrase)
the clock    hello ("Good evening"), daypart ("tonight"), part_of_day ("evening"),
             weekday ("Friday"), clock ("ten past eight"), farewell ("Sleep well")

Every situation has at least eight templates that need no more than its own facts, so the
writer can keep each template out of several links in a row. A template in a middle
situation (history, reason, closing) that names {title} introduces the track by itself.
"""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, ...]] = {
    # -- session opening: always with the time of day ------------------------------------
    "greeting": (
        "{Hello}, and welcome to Booth.",
        "Let's get {daypart} started with some music.",
        "{Hello}, and happy {weekday}.",
        "It's {weekday} {part_of_day}, and the music starts right now.",
        "I'll be your DJ {daypart}. Welcome.",
        "A fine {weekday} {part_of_day} for some music. Welcome in.",
        "{Hello}. Settle in, the first track is on its way.",
        "Welcome to your {weekday} {part_of_day} session.",
        "{Hello}. Thanks for tuning in.",
        "It's {clock} on a {weekday}. Let's play some music.",
        "{Hello}. It's {clock}, so let's get going.",
        "Good to have you here {daypart}. Let's begin.",
    ),
    # -- the next track, plainly ---------------------------------------------------------
    "intro": (
        "Here's {title} by {artist}.",
        "Next up, {artist} with {title}.",
        "This is {artist}, and it's called {title}.",
        "Now playing, {title} from {artist}.",
        "Coming up, {title}, by {artist}.",
        "Let's hear from {artist}. This one is {title}.",
        "Over to {artist} now, with {title}.",
        "{Title} by {artist} is next.",
        "Time for {artist}. Here's {title}.",
        "Into {title} now, from {artist}.",
        "Here comes {title}.",
        "Next, it's {title}.",
        "This one is called {title}.",
        "Let's go with {title}.",
        "On now, {title}.",
        "{Title}, coming right up.",
        "Up next is {title}.",
        "Let's play {title}.",
        "From the album {album}, here's {title} by {artist}.",
        "{Artist} now, from {album}. This is {title}.",
        "Here's {title}, a track from {album}.",
        "Next, {title}, off {album}.",
        "From {year}, here's {artist} with {title}.",
        "{Title} by {artist}, a track from {year}.",
        "{Title} came out in {year}. Here it is.",
        "{Album} came out in {year}. From it, here's {title}.",
        "Here's {title} from {album}, released in {year}.",
        "{Artist}, {year}, from the album {album}. This is {title}.",
        "Here's {title} by {artist}, filed under {genre}.",
        "From the {genre} shelf, {title} by {artist}.",
        "A bit of {genre} next. It's {title}.",
    ),
    # -- back-announce the track that just played ----------------------------------------
    "back": (
        "That was {prev_title} by {prev_artist}.",
        "{Prev_artist} there, with {prev_title}.",
        "You just heard {prev_artist} with {prev_title}.",
        "We just had {prev_title} from {prev_artist}.",
        "On the way out, {prev_title} by {prev_artist}.",
        "You've been listening to {prev_title} by {prev_artist}.",
        "Thanks to {prev_artist} for {prev_title}.",
        "So that was {prev_title}.",
        "Leaving {prev_title} behind now.",
        "That was {prev_title}, from {prev_album}.",
        "Just now, {prev_title}.",
        "That's {prev_title} finished.",
        "We've just heard {prev_title}.",
        "And that brings {prev_title} to a close.",
        "Fading out, {prev_title}.",
        "Behind us now, {prev_title}.",
    ),
    "back_untagged": (
        "That was the track filed as {prev_file}.",
        "The last one came without tags. The file calls it {prev_file}.",
        "You just heard the file named {prev_file}.",
        "That one is only known as {prev_file}.",
        "No tags on that last track, just the file name, {prev_file}.",
        "So that was {prev_file}, or so the file name says.",
        "Our mystery track there was filed as {prev_file}.",
        "If you're wondering, the last one is filed as {prev_file}. That's all I know.",
        "That was an untagged one, filed as {prev_file}.",
    ),
    # -- listening history ---------------------------------------------------------------
    "first_time": (
        "This is the first time this one has played here.",
        "First play for this track on Booth.",
        "You haven't heard this one here before.",
        "Brand new to this speaker, this one.",
        "This one has never played here until now.",
        "A first listen for this one.",
        "Fresh territory. This track has never been played here.",
        "This track is getting its first spin.",
        "Something you haven't played before, {title}.",
        "First time on Booth for {title}.",
    ),
    "played_often": (
        "You've played this one {plays} times.",
        "This one has been on {plays} times already.",
        "A familiar one. {Plays} plays and counting.",
        "Back again, after {plays} plays.",
        "This one keeps coming back. {Plays} plays so far.",
        "You know this one well. It's been played {plays} times.",
        "A regular around here, with {plays} plays.",
        "No stranger to this speaker, with {plays} plays behind it.",
        "Played {plays} times before, and here it is again.",
        "{Title} again. It's had {plays} plays, so it must be doing something right.",
        "Here's an old friend, {title}, played {plays} times so far.",
    ),
    "long_time": (
        "You haven't heard this one in {since}.",
        "It's been {since} since this one last played.",
        "Dusting this one off. The last play was {since} ago.",
        "This one has been resting for {since}.",
        "{Since} since we last heard this. Time it came back.",
        "Not played in {since}, so here it is again.",
        "Last time this played was {since} ago.",
        "It's been a while. {Since}, in fact.",
        "A rediscovery, {title}, unheard for {since}.",
        "Back after {since} away, {title}.",
    ),
    "liked": (
        "You liked this one before.",
        "This is one you gave a like.",
        "You told me you liked this one.",
        "One of your likes, this.",
        "This one is on your liked list.",
        "You've liked this track, so here it is again.",
        "A track you liked. Enjoy it again.",
        "Here's a liked one.",
        "Since you liked it, here's {title} again.",
        "From your likes, {title}.",
    ),
    # -- why it was picked ---------------------------------------------------------------
    "request": (
        "You asked for this one.",
        "This is your request.",
        "Your pick, coming right up.",
        "As requested.",
        "You called for it, so here it is.",
        "Request granted.",
        "Straight from your request.",
        "On request, this one.",
        "Here's what you asked for, {title}.",
        "You wanted {title}, so here it is.",
    ),
    "more_like_this": (
        "More in the same vein as the last one.",
        "Keeping the mood going with something similar.",
        "Staying close to that sound.",
        "Another one along the same lines.",
        "If you liked that, this one is a close cousin.",
        "Sticking with that feel for a bit longer.",
        "Same mood, different track.",
        "Here's something that sits right next to the last one.",
        "More of that sound now, with {title}.",
    ),
    "switch_it_up": (
        "Time for a change of pace.",
        "Let's switch things up.",
        "Something different now.",
        "Changing direction here.",
        "A change of scene for this next one.",
        "Let's shake things up a bit.",
        "Taking a turn now.",
        "Moving somewhere new.",
        "Enough of that sound for now. Here's something else.",
        "Switching gears with {title}.",
    ),
    "liked_artist": (
        "You've liked {artist} before, so here's more.",
        "Because you liked {artist}, here's another.",
        "More from {artist}, since you liked them.",
        "You gave {artist} a like. Here's another from them.",
        "{Artist} made your liked list, so here's more.",
        "Picked because you liked {artist}.",
        "Another one from {artist}, who you liked before.",
        "For the {artist} fan in the room.",
    ),
    "taste": (
        "Picked for you, based on what you play.",
        "This one fits what you usually listen to.",
        "Chosen to match your taste.",
        "Based on your listening, this should suit you.",
        "A pick drawn from your listening history.",
        "This one matches the music you keep coming back to.",
        "Your listening habits pointed me here.",
        "Going by what you play most, try this.",
    ),
    "reason": (
        "Why this one? {Reason}.",
        "The reason for this pick: {reason}.",
        "Picked for a reason: {reason}.",
        "{Reason}. That's why this is next.",
        "Here's the thinking. {Reason}.",
        "A quick word on why: {reason}.",
        "{Reason}, that's the idea here.",
        "What's behind this one? {Reason}.",
        "I chose this one for you. {Reason}.",
    ),
    # -- albums --------------------------------------------------------------------------
    "album_start": (
        "Let's hear a whole album, {album} by {artist}. It opens with {title}.",
        "Album time. {Album}, from {year}, starting with {title}.",
        "Now the full album, {album}. First up, {title}.",
        "Here's {album} from start to finish, beginning with {title}.",
        "We're playing {album} by {artist}, all the way through. First, {title}.",
        "Settle in for {album}. It kicks off with {title}.",
        "The album {album} is up next, opening with {title}.",
        "A full album now, {album}, released in {year}. First, {title}.",
        "Let's play {album} in full. We begin with track {track_no}, {title}.",
        "{Artist} now, the whole of {album}. Here's {title}.",
        "Time for a whole album. {Album}, beginning with {title}.",
        "Let's go through {album} in order. Up first, {title}.",
        "From the top of {album}, here's {title}.",
        "We'll hear all of {album} now. It starts with {title}.",
        "One album, start to end. {Album} opens with {title}.",
    ),
    "album_continues": (
        "Still with {album}, here's {title}.",
        "Track {track_no} of {album}, {title}.",
        "Next on {album}, {title}.",
        "The album rolls on with {title}.",
        "Carrying on through {album}. This is {title}.",
        "Further into {album} now, with {title}.",
        "Onward through the album. Here's {title}.",
        "{Album} continues. Track {track_no}, {title}.",
        "Staying with {album} for {title}.",
        "More from {album}. This one is {title}.",
    ),
    # -- the end of a session: said after the intro ---------------------------------------
    "closing": (
        "It's the last one {daypart}.",
        "That's the final track of the session.",
        "It's the last song for {daypart}. {Farewell}.",
        "Last song of the session. {Farewell}.",
        "One last track, then I'll let you go. {Farewell}.",
        "That's nearly it for {daypart}. Thanks for listening.",
        "We'll wind down with this one. {Farewell}.",
        "And that's the closer. Thanks for listening.",
        "The session ends with this one. {Farewell}.",
        "To finish, {title}. {Farewell}.",
        "Let's close out with {title}. {Farewell}.",
        "The last word goes to {title}.",
    ),
    # -- a track without a title tag: never an invented artist or title ------------------
    "untagged": (
        "This next one has no tags, so all I can say is it's filed as {file}.",
        "Here's a track filed as {file}. I don't know who made it.",
        "Next, something without a label. The file name says {file}.",
        "Now a mystery track, filed as {file}.",
        "I can't tell you much about this one. It's filed as {file}.",
        "No artist on this file, just a name, {file}.",
        "Here's one filed simply as {file}.",
        "This next one, filed as {file}, came with no tags at all.",
        "An unlabelled one now. The file calls it {file}.",
        "Here's {artist}, with a track filed as {file}.",
    ),
    "nameless": (
        "Next, a track with no name tags at all.",
        "Here's one that came without any tags.",
        "This next track has no name I can read.",
        "Now, a track with no title and no artist.",
        "Up next, a nameless one.",
        "Something untitled now.",
        "Next, a track I know nothing about.",
        "Here's a track with no label at all.",
    ),
    # -- when there is almost no time ----------------------------------------------------
    "short": (
        "Here's {title}.",
        "Next, {title}.",
        "Now, {title}.",
        "{Title}, next.",
        "Up next, {title}.",
        "This is {title}.",
        "Coming up, {title}.",
        "{Title}, by {artist}.",
        "{Artist}, {title}.",
        "And now, {title}.",
    ),
    "short_untagged": (
        "Next, filed as {file}.",
        "Here's one filed as {file}.",
        "Now, the file named {file}.",
        "Up now, a file called {file}.",
        "Coming up, filed as {file}.",
        "Next, an untagged file, {file}.",
        "This one's filed as {file}.",
        "And now, a file called {file}.",
    ),
}

MIDDLE_FOR_KIND: dict[str, str] = {
    "request": "request",
    "more_like_this": "more_like_this",
    "switch_it_up": "switch_it_up",
    "liked_artist": "liked_artist",
    "taste": "taste",
}
"""The situation that explains each structured reason ('album' has intros of its own)."""

HISTORY_SITUATIONS = ("liked", "long_time", "played_often", "first_time")
"""History facts the DJ may mention, most interesting first."""

TIME_SLOTS = frozenset({"hello", "daypart", "part_of_day", "weekday", "clock"})
"""Slots that say the time of day; every greeting uses one."""

NEXT_NAME_SLOTS = frozenset({"title", "file"})
"""Slots that name the next track: a middle template with one introduces the track itself."""
