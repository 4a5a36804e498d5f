"""A synthetic multi-platform scenario with planted ground truth.

`generate(out_dir, ...)` writes a seeded, deterministic data set in the platforms' real raw
formats, streamed (memory stays flat however many posts are asked for):

  twitter/tweets-YYYY-MM-DD.jsonl      Twitter API v2 search pages as twarc2 writes them
  mastodon/statuses-YYYY-MM-DD.jsonl   Mastodon API Status entities, one per line
  bluesky/jetstream-YYYY-MM-DD.jsonl   Bluesky Jetstream v1 events (identity, profile, posts,
                                       reposts, likes, follows)
  telegram/<chat>/result.json          Telegram Desktop single-chat exports (current format:
                                       date_unixtime, text_entities, "user<id>" ids), one per
                                       chat: a news channel, the campaign's source and relay
                                       channels, a person's channel and a public group; photos
                                       in telegram/<chat>/photos/. A chat export is one JSON
                                       document, read whole at import: past TG_CAP (20,000)
                                       messages a chat goes on in <chat>-part2/result.json
  reddit/RS_YYYY-MM.ndjson             Pushshift / Arctic Shift monthly dumps: submissions (RS)
  reddit/RC_YYYY-MM.ndjson             and comments (RC), one object per line, keys sorted
  media/                               the image files the posts and profiles point at, and
                                       media/index.json (path, sha256, Bluesky blob CID, size)
  ground_truth.json                    what was planted: bots, a coordinated campaign on four
                                       platforms, people with accounts on two platforms, an
                                       image that spreads and mutates, a geotagged event burst,
                                       Reddit's deleted and removed items; described inside
  manifest.json                        arguments and the counts of every file

`posts` is the total over the five platforms: Telegram and Reddit get a tenth each (SHARE), the
rest goes to Twitter, Mastodon and Bluesky. Telegram's `date` fields are the exporting computer's
local time (TG_EXPORT_TZ, UTC+1), as a real export's are.

Every invented host is a reserved example domain (.example, example.org, example.com); the only
real hosts are the platforms' own (twitter.com, t.co, www.reddit.com, t.me). The same arguments
give byte-identical output; nothing depends on the wall clock.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import math
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import orjson
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from socmint.errors import SocmintError

GENERATOR_VERSION = 2
DEFAULT_START = datetime(2026, 3, 2, tzinfo=timezone.utc)

TW, MA, BS, TG, RD = 0, 1, 2, 3, 4
PLATFORMS = ("twitter", "mastodon", "bluesky", "telegram", "reddit")
SHARE = {TG: 0.10, RD: 0.10}  # share of `posts` on Telegram and Reddit; the rest on TW/MA/BS
HOUR = 3_600_000
DAY = 86_400_000
TWITTER_EPOCH = 1_288_834_974_657
COLLECTOR = "mastodon.example"  # the Mastodon server whose API the collector read
SERVERS = (("mastodon.example", 0.5), ("social.example", 0.3), ("toot.example.org", 0.2))

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

LANGS = ("en", "de", "fr", "es")
LANG_MIX = {  # per platform: share of accounts writing mainly in each language
    TW: (0.70, 0.08, 0.10, 0.12),
    MA: (0.55, 0.25, 0.12, 0.08),
    BS: (0.80, 0.07, 0.07, 0.06),
    TG: (0.62, 0.14, 0.09, 0.15),
    RD: (0.82, 0.09, 0.05, 0.04),
}
TZ_MIX = {  # UTC offset (hours, fixed: no daylight saving) by language
    "en": ((-8, 0.15), (-6, 0.10), (-5, 0.30), (0, 0.30), (1, 0.05), (10, 0.10)),
    "de": ((1, 1.0),),
    "fr": ((1, 0.85), (-5, 0.15)),
    "es": ((1, 0.40), (-6, 0.35), (-3, 0.25)),
}
# relative posting rate by local hour: quiet nights, a lunch bump, a peak in the evening
RHYTHM = (0.9, 0.5, 0.3, 0.2, 0.15, 0.2, 0.45, 0.9, 1.2, 1.3, 1.3, 1.4,
          1.6, 1.5, 1.3, 1.3, 1.4, 1.6, 1.9, 2.2, 2.5, 2.6, 2.2, 1.5)

# name, region, country code, lat, lon, utc offset, languages
CITIES = (
    ("New York", "NY", "US", 40.7128, -74.0060, -5, "en"),
    ("Toronto", "ON", "CA", 43.6532, -79.3832, -5, "en"),
    ("Montreal", "QC", "CA", 45.5019, -73.5674, -5, "fr"),
    ("Chicago", "IL", "US", 41.8781, -87.6298, -6, "en"),
    ("Mexico City", "CDMX", "MX", 19.4326, -99.1332, -6, "es"),
    ("San Francisco", "CA", "US", 37.7749, -122.4194, -8, "en"),
    ("Los Angeles", "CA", "US", 34.0522, -118.2437, -8, "en"),
    ("London", "England", "GB", 51.5074, -0.1278, 0, "en"),
    ("Manchester", "England", "GB", 53.4808, -2.2426, 0, "en"),
    ("Dublin", "", "IE", 53.3498, -6.2603, 0, "en"),
    ("Berlin", "", "DE", 52.5200, 13.4050, 1, "de"),
    ("Hamburg", "", "DE", 53.5511, 9.9937, 1, "de"),
    ("Munich", "", "DE", 48.1351, 11.5820, 1, "de"),
    ("Vienna", "", "AT", 48.2082, 16.3738, 1, "de"),
    ("Paris", "", "FR", 48.8566, 2.3522, 1, "fr"),
    ("Lyon", "", "FR", 45.7640, 4.8357, 1, "fr"),
    ("Madrid", "", "ES", 40.4168, -3.7038, 1, "es"),
    ("Barcelona", "", "ES", 41.3874, 2.1686, 1, "es"),
    ("Amsterdam", "", "NL", 52.3676, 4.9041, 1, "en"),
    ("Zagreb", "", "HR", 45.8150, 15.9819, 1, "en"),
    ("Buenos Aires", "", "AR", -34.6037, -58.3816, -3, "es"),
    ("Sydney", "NSW", "AU", -33.8688, 151.2093, 10, "en"),
)
COUNTRIES = {"US": "United States", "CA": "Canada", "MX": "Mexico", "GB": "United Kingdom",
             "IE": "Ireland", "DE": "Germany", "AT": "Austria", "FR": "France", "ES": "Spain",
             "NL": "Netherlands", "HR": "Croatia", "AR": "Argentina", "AU": "Australia"}

FIRST = ("Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jack",
         "Kate", "Leon", "Maria", "Noah", "Olivia", "Paul", "Rosa", "Sam", "Tom", "Uma",
         "Vera", "Will", "Yara", "Zoe", "Lukas", "Lena", "Jonas", "Mia", "Elias", "Hannah",
         "Louis", "Camille", "Jules", "Manon", "Hugo", "Lucia", "Pablo", "Sofia", "Diego",
         "Carmen", "Javier", "Elena", "Omar", "Priya", "Arjun", "Mei", "Kenji", "Aisha",
         "Liam", "Nora", "Ivan", "Petra", "Marko", "Sara", "Ali", "Fatima", "Chris", "Alex",
         "Jamie", "Robin", "Nina", "Theo", "Clara", "Max", "Ella", "Oscar", "Ruby", "Finn")
LAST = ("Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Green",
        "Hall", "Wood", "Clarke", "Miller", "Davis", "Garcia", "Martinez", "Lopez", "Sanchez",
        "Perez", "Gomez", "Diaz", "Moreno", "Muller", "Schmidt", "Schneider", "Fischer",
        "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch", "Martin", "Bernard",
        "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Novak", "Horvat", "Babic", "Jensen", "Hansen", "Nielsen", "Rossi", "Russo",
        "Kelly", "Murphy", "Byrne", "Chen", "Wang", "Singh", "Patel", "Khan", "Sato", "Kim",
        "Silva", "Santos", "Costa", "Oliveira", "Reyes", "Cruz", "Ortiz", "Ramos")
BOT_FIRST = ("Jessica", "Ashley", "Amanda", "Brandon", "Tyler", "Kayla", "Megan", "Justin",
             "Brittny", "Heather", "Cody", "Dustin", "Crystal", "Kelsey", "Derek", "Shawn")

BIO_PARTS = {
    "en": ("Teacher", "Nurse", "Software engineer", "Student", "Dad of two", "Mum of three",
           "Coffee addict", "Runner", "Designer", "Researcher", "Journalist", "Retired",
           "Gardener", "Baker", "Photographer", "Musician", "Librarian", "Bus driver",
           "Urban planner", "Data nerd", "Book lover", "Cyclist", "Football fan", "Gamer"),
    "de": ("Lehrerin", "Pflegekraft", "Softwareentwickler", "Studentin", "Vater von zwei",
           "Kaffeetrinker", "Läuferin", "Designer", "Forscherin", "Journalist", "Rentner",
           "Gärtnerin", "Fotograf", "Musikerin", "Radfahrer", "Fußballfan"),
    "fr": ("Prof", "Infirmière", "Développeur", "Étudiante", "Papa de deux", "Accro au café",
           "Coureuse", "Graphiste", "Chercheur", "Journaliste", "Retraité", "Photographe",
           "Musicienne", "Cycliste", "Fan de foot", "Lectrice"),
    "es": ("Profe", "Enfermera", "Programador", "Estudiante", "Padre de dos", "Cafetera",
           "Corredora", "Diseñador", "Investigadora", "Periodista", "Jubilado", "Fotógrafa",
           "Músico", "Ciclista", "Futbolero", "Lectora"),
}
EMOJI = ("😂", "🙄", "🔥", "👀", "🙏", "😅", "❤️", "✨", "🤔", "📸", "☕", "🎉")

# key, noun phrase en/de/fr/es, hashtags
TOPICS = (
    ("climate", "climate policy", "die Klimapolitik", "la politique climatique",
     "la política climática", ("ClimateAction", "NetZero")),
    ("transit", "public transport", "der Nahverkehr", "les transports en commun",
     "el transporte público", ("PublicTransport", "Transit")),
    ("housing", "rent prices", "die Mieten", "les loyers", "los alquileres",
     ("Housing", "RentCrisis")),
    ("football", "the match", "das Spiel", "le match", "el partido", ("Football", "MatchDay")),
    ("elections", "the election", "die Wahl", "les élections", "las elecciones",
     ("Election2026", "Vote")),
    ("ai", "AI tools", "KI-Tools", "les outils d'IA", "las herramientas de IA",
     ("AI", "GenAI")),
    ("music", "the new album", "das neue Album", "le nouvel album", "el nuevo disco",
     ("NowPlaying", "NewMusic")),
    ("cooking", "this recipe", "dieses Rezept", "cette recette", "esta receta",
     ("Cooking", "Foodie")),
    ("cycling", "bike lanes", "die Radwege", "les pistes cyclables", "los carriles bici",
     ("Cycling", "BikeLife")),
    ("photography", "film photography", "die Analogfotografie", "la photo argentique",
     "la fotografía analógica", ("Photography", "FilmPhotography")),
    ("gaming", "the new game", "das neue Spiel", "le nouveau jeu", "el nuevo juego",
     ("Gaming", "IndieGames")),
    ("science", "the new study", "die neue Studie", "la nouvelle étude", "el nuevo estudio",
     ("Science", "Research")),
    ("space", "the launch", "der Raketenstart", "le lancement", "el lanzamiento",
     ("Space", "Astronomy")),
    ("health", "the flu season", "die Grippewelle", "la grippe", "la temporada de gripe",
     ("PublicHealth", "Health")),
    ("books", "this novel", "dieser Roman", "ce roman", "esta novela", ("AmReading", "Books")),
    ("film", "the festival lineup", "das Festivalprogramm", "la programmation du festival",
     "la programación del festival", ("Film", "Cinema")),
    ("economy", "inflation", "die Inflation", "l'inflation", "la inflación",
     ("Economy", "Inflation")),
    ("energy", "energy prices", "die Energiepreise", "les prix de l'énergie",
     "los precios de la energía", ("Energy", "Solar")),
    ("privacy", "data privacy", "der Datenschutz", "la vie privée", "la privacidad",
     ("Privacy", "InfoSec")),
    ("travel", "night trains", "die Nachtzüge", "les trains de nuit", "los trenes nocturnos",
     ("NightTrain", "Travel")),
    ("weather", "the weather", "das Wetter", "la météo", "el tiempo", ("Weather", "Spring")),
    ("tech", "the software update", "das Software-Update", "la mise à jour",
     "la actualización", ("OpenSource", "Tech")),
    ("education", "the school strike", "der Schulstreik", "la grève des écoles",
     "la huelga escolar", ("Teachers", "Education")),
    ("art", "the exhibition", "die Ausstellung", "l'exposition", "la exposición",
     ("Museum", "Art")),
)
EXTRA_TAGS = ("News", "Breaking", "Monday", "Weekend", "Thread", "Berlin", "Paris", "London",
              "NYC", "Madrid", "Toronto", "Dublin", "Vienna", "Mood", "TIL", "Throwback")

TEMPLATES = {
    "en": ("Honestly {t} is {o} right now.", "Just read a long piece on {t}. Worth your time.",
           "Anyone else following {t} {d}?", "Hot take: {t} matters more than people think.",
           "Spent the whole afternoon thinking about {t}.", "Can we talk about {t} for a second?",
           "Great thread on {t} if you missed it.", "{T} in {c} is {o}.",
           "Not sure how I feel about {t} {d}.", "Reminder: {t} concerns all of us.",
           "Quick update on {t}: still {o}.", "Three things I learned about {t} {d}.",
           "Finally some good news about {t}.", "Why is nobody talking about {t}?",
           "My take on {t}, for what it's worth.", "Podcast about {t} on the way home.",
           "Coffee, rain and {t}. Classic {d}.", "The debate about {t} {d} was {o}.",
           "If you care about {t}, read this.", "New post up about {t}.",
           "Overheard at the bakery: everyone is talking about {t}.",
           "I keep coming back to {t}.", "Small wins: {t} looks {o} {d}.",
           "Is it just me or is {t} getting {o}?", "Long day. Thinking about {t} again."),
    "de": ("Ehrlich gesagt ist {t} gerade {o}.", "Hab heute viel über {t} gelesen.",
           "Verfolgt noch jemand {t} {d}?", "Warum redet niemand über {t}?",
           "Kurzes Update zu {t}: immer noch {o}.", "{T} in {c} ist {o}.",
           "Kaffee, Regen und {t}. Typisch {d}.",
           "Guter Thread zu {t}, falls ihr ihn verpasst habt.",
           "Ich denke schon wieder über {t} nach.", "Endlich gute Nachrichten zu {t}.",
           "Meine Meinung zu {t}, für alle die fragen.", "Die Debatte über {t} war {d} {o}."),
    "fr": ("Franchement, {t}, c'est {o} en ce moment.", "J'ai lu un long article sur {t}.",
           "Quelqu'un suit {t} {d} ?", "Pourquoi personne ne parle de {t} ?",
           "Petite mise à jour sur {t} : toujours {o}.", "{T} à {c}, c'est {o}.",
           "Café, pluie et {t}. Classique {d}.", "Super fil sur {t} si vous l'avez raté.",
           "Je repense encore à {t}.", "Enfin une bonne nouvelle pour {t}.",
           "Mon avis sur {t}, pour ce que ça vaut.", "Le débat sur {t} {d} était {o}."),
    "es": ("Sinceramente, {t} está {o} ahora mismo.", "Acabo de leer un artículo largo sobre {t}.",
           "¿Alguien más sigue {t} {d}?", "¿Por qué nadie habla de {t}?",
           "Actualización rápida sobre {t}: sigue {o}.", "{T} en {c} está {o}.",
           "Café, lluvia y {t}. Clásico de {d}.", "Buen hilo sobre {t} por si os lo perdisteis.",
           "Sigo pensando en {t}.", "Por fin buenas noticias sobre {t}.",
           "Mi opinión sobre {t}, por si sirve.", "El debate sobre {t} {d} fue {o}."),
}
OPINIONS = {
    "en": ("wild", "fascinating", "a mess", "underrated", "overhyped", "exciting", "worrying",
           "surprisingly good", "frustrating", "complicated"),
    "de": ("spannend", "chaotisch", "unterschätzt", "überbewertet", "ärgerlich", "kompliziert",
           "überraschend gut"),
    "fr": ("passionnant", "le bazar", "sous-estimé", "surcoté", "inquiétant", "compliqué",
           "étonnamment bien"),
    "es": ("interesante", "un caos", "infravalorado", "sobrevalorado", "preocupante",
           "complicado", "sorprendentemente bien"),
}
DAYREFS = {
    "en": ("today", "this week", "tonight", "this morning", "lately", "again", "this weekend"),
    "de": ("heute", "diese Woche", "heute Abend", "heute Morgen", "gerade", "am Wochenende"),
    "fr": ("aujourd'hui", "cette semaine", "ce soir", "ce matin", "en ce moment", "ce week-end"),
    "es": ("hoy", "esta semana", "esta noche", "esta mañana", "últimamente", "este finde"),
}
REPLIES = {
    "en": ("Totally agree.", "Not sure about that, tbh.", "Source?", "This is so true.",
           "Thanks for sharing!", "Wait, really?", "Ha, same here.", "Great point about {t}.",
           "I see it differently, but fair.", "Saved for later.", "Exactly this.",
           "Couldn't have said it better.", "Do you have a link for that?", "Oh no.",
           "This made my day", "Strong disagree on {t}, but I get it."),
    "de": ("Sehe ich genauso.", "Quelle?", "Danke fürs Teilen!", "Echt jetzt?", "Genau das.",
           "Guter Punkt zu {t}.", "Sehe ich anders, aber okay.", "Ha, geht mir auch so."),
    "fr": ("Tout à fait d'accord.", "Source ?", "Merci pour le partage !", "Sérieux ?",
           "Exactement.", "Bon point sur {t}.", "Je ne suis pas d'accord, mais bon.",
           "Pareil pour moi."),
    "es": ("Totalmente de acuerdo.", "¿Fuente?", "¡Gracias por compartir!", "¿En serio?",
           "Exacto.", "Buen punto sobre {t}.", "Lo veo distinto, pero vale.", "Me pasa igual."),
}
QUOTES = {
    "en": ("This 👇", "Worth reading.", "Important.", "lol", "Well said.", "Hmm.", "Yes!",
           "Oh no.", "Read the whole thing.", "Nailed it."),
    "de": ("Das hier 👇", "Lesenswert.", "Wichtig.", "Gut gesagt.", "Hmm.", "Ja!"),
    "fr": ("Ceci 👇", "À lire.", "Important.", "Bien dit.", "Hmm.", "Oui !"),
    "es": ("Esto 👇", "Vale la pena leerlo.", "Importante.", "Bien dicho.", "Hmm.", "¡Sí!"),
}
ALTS = ("A street at dusk", "View from my window", "Screenshot of a news article",
        "My lunch today", "A cat sleeping on a keyboard", "Graph of the latest numbers",
        "Sunset over the river", "Protest signs in the square", "Bike parked by a canal")

NEWS_DOMAINS = (("news.example", 8), ("www.dailynews.example.com", 6), ("blog.example.org", 3),
                ("www.citypaper.example", 4), ("tech.example.net", 3), ("zeitung.example", 3),
                ("www.journal.example", 3), ("www.noticias.example", 2), ("science.example.org", 2),
                ("medium.example.com", 2), ("video.example", 3), ("substack.example.com", 2))

HEADLINES = ("what {t} means for {c}", "the real cost of {t}", "{c} rethinks {t}",
             "five questions about {t}", "inside the fight over {t}",
             "why {t} is back on the agenda", "how {c} got {t} right", "{t}: a reader's guide",
             "opinion: we need to talk about {t}", "live updates: {t} in {c}",
             "the week in {t}", "{t} explained in charts", "{c} residents divided over {t}")
BOT_DOMAIN = "newsflash24.example"
BOT_HEADLINES = ("They tried to hide this report", "Experts stunned by new numbers",
                 "What the mainstream media won't tell you", "Officials caught lying again",
                 "Shocking footage emerges", "The truth about the new tax",
                 "Whistleblower speaks out", "This changes everything",
                 "Leaked memo confirms the plan", "You won't believe what happened next")
BOT_TAGS = ("News", "Breaking", "Truth", "WakeUp")
BOT_SOURCE = "PostPilot Scheduler"

CAMPAIGN_DOMAIN = "gridtruth.example"
CAMPAIGN_TAGS = ("StopGridLevy", "HandsOffOurBills", "EnergyTruth")
CAMPAIGN_TEXTS = (
    "The grid levy will double your bills by winter. They don't want you to read this:",
    "Another family priced out by the grid levy. Share before it gets buried:",
    "Ask your MP why the grid levy was rushed through at night:",
    "They said it would cost 5 pounds a year. Read the real numbers:",
    "Independent analysis: the grid levy hits pensioners hardest.",
    "Why is nobody reporting this? The grid levy is a cash grab.",
    "Small businesses are closing because of the grid levy. Read this:",
    "The grid levy vote is next week. Make your voice heard:",
)
CAMPAIGN_SLUGS = ("bills-double", "families-priced-out", "night-vote", "real-numbers",
                  "pensioners-hit", "media-silence", "small-business", "vote-next-week")

SPREAD_CAPTION = "Took this on my way home tonight. Unreal light over the river 📸"
SPREAD_TEXTS = ("Look at this 😳", "Is this real?", "Saw this going around", "wow",
                "credit to whoever took this", "This photo is everywhere today", "no words",
                "Incroyable 😮", "Unglaublich.", "Qué foto 😍", "stunning", "found this on my feed")

GEO_TEXTS = {
    "en": ("Huge smoke cloud over Gerland right now, sirens everywhere",
           "Fire near the warehouses in Gerland, stay away from the area",
           "You can smell the smoke from the river. What is burning?",
           "Firefighters everywhere around Gerland, roads closed",
           "Massive fire in Lyon tonight, hope everyone is safe",
           "Flames visible from the bridge. Crazy."),
    "fr": ("Énorme panache de fumée sur Gerland, des sirènes partout",
           "Incendie près des entrepôts à Gerland, évitez le secteur",
           "On sent la fumée jusqu'aux quais. Qu'est-ce qui brûle ?",
           "Les pompiers sont partout à Gerland, routes fermées",
           "Gros incendie à Lyon ce soir, j'espère que tout le monde va bien",
           "On voit les flammes depuis le pont. Impressionnant."),
}
GEO_TAGS = ("Lyon", "Gerland", "incendie")

CAMERAS = (("Apple", "iPhone 14 Pro"), ("Apple", "iPhone 15"), ("samsung", "SM-S918B"),
           ("Google", "Pixel 8"), ("Canon", "Canon EOS R6"), ("FUJIFILM", "X-T4"),
           ("NIKON CORPORATION", "NIKON Z 6_2"), ("SONY", "ILCE-7M3"), ("Xiaomi", "23049PCD8G"))

TW_SOURCES = (("Twitter for iPhone", 0.45), ("Twitter for Android", 0.3),
              ("Twitter Web App", 0.22), ("TweetDeck Web App", 0.03))
TWARC_URL = ("https://api.twitter.com/2/tweets/search/all?expansions=author_id%2C"
             "in_reply_to_user_id%2Creferenced_tweets.id%2Creferenced_tweets.id.author_id%2C"
             "entities.mentions.username%2Cattachments.media_keys%2Cgeo.place_id"
             "&tweet.fields=attachments%2Cauthor_id%2Cconversation_id%2Ccreated_at%2Centities"
             "%2Cgeo%2Cid%2Cin_reply_to_user_id%2Clang%2Cpublic_metrics%2Ctext"
             "%2Cpossibly_sensitive%2Creferenced_tweets%2Creply_settings%2Csource"
             "%2Cedit_history_tweet_ids"
             "&user.fields=created_at%2Cdescription%2Centities%2Cid%2Clocation%2Cname"
             "%2Cprofile_image_url%2Cprotected%2Cpublic_metrics%2Curl%2Cusername%2Cverified"
             "&media.fields=alt_text%2Cheight%2Cmedia_key%2Ctype%2Curl%2Cwidth"
             "&place.fields=country%2Ccountry_code%2Cfull_name%2Cgeo%2Cid%2Cname%2Cplace_type"
             "&query=%28lang%3Aen%20OR%20lang%3Ade%20OR%20lang%3Afr%20OR%20lang%3Aes%29"
             "%20-is%3Anullcast&max_results=100")
TWARC_VERSION = "2.14.0"

# The people planted with an account on two platforms, and one look-alike who is not them.
PERSONAS = (
    {"key": "marta", "name": "Marta Kovač", "tz": 1, "lang": "en", "city": "Zagreb",
     "accounts": (
         {"platform": TW, "handle": "marta_kovac", "name": "marta kovač 🚲",
          "bio": "urbanist, film photographer, bike commuter. zagreb. "
                 "also here: @martakovac.bsky.social"},
         {"platform": BS, "handle": "martakovac.bsky.social", "name": "Marta K. 🚲",
          "bio": "streets, bikes, photos (mostly film). zagreb. "
                 "formerly twitter @marta_kovac"})},
    {"key": "jonas", "name": "Jonas Brandt", "tz": 1, "lang": "en", "city": "Hamburg",
     "accounts": (
         {"platform": TW, "handle": "jbrandt_dev", "name": "Jonas Brandt",
          "bio": "Rust, privacy, open source. Hamburg. Fediverse: @jonasbrandt@social.example"},
         {"platform": MA, "handle": "jonasbrandt", "server": "social.example",
          "name": "Jonas Brandt 🦀",
          "bio": "Rust, Datenschutz, open source. Hamburg. Also on X as @jbrandt_dev"})},
    # Reddit has no bio or avatar in a dump and a Telegram export has neither: the links are the
    # related names, her flair and posts naming the channel, shared phrasing and cross-posts
    {"key": "sanne", "name": "Sanne de Vries", "tz": 1, "lang": "en", "city": "Amsterdam",
     "avatar": False,
     "accounts": (
         {"platform": RD, "handle": "sanne_transit", "name": "sanne_transit",
          "bio": "Amsterdam | t.me/sannetransit"},
         {"platform": TG, "handle": "sannetransit", "name": "Sanne's Transit Notes",
          "bio": "Sanne de Vries"})},
)
SANNE = next(p for p in PERSONAS if p["key"] == "sanne")
DECOY = {"key": "marta_decoy", "name": "Marta Kovacs", "tz": -5, "lang": "en", "city": "Toronto",
         "platform": MA, "handle": "martakovacs", "server": "toot.example.org",
         "display": "Marta Kovacs",
         "bio": "Home cook, gardener, mum. Toronto. Recipes and tomatoes!"}
PERSONA_TEXTS = {
    "marta": ("morning ride along the sava, {x} {e}", "new roll developed, {x} 📷",
              "zagreb needs more protected bike lanes tbh", "shot this on the way to work ~m",
              "honestly the tram at 8am is a sport {e}", "film is expensive but {x}",
              "painted bike lanes are not infrastructure tbh", "golden hour on the bridge ~m",
              "another near miss on ilica. we need better streets", "portra 400 never misses 📷",
              "cargo bike life, {x} 🚲", "city council meeting on cycling tonight, {x}",
              "lunch break walk, light was perfect ~m", "rainy ride home, still worth it 🚲"),
    "jonas": ("New blog post on borrow checking, {x}. — J.", "Reminder: metadata is data. {x}",
              "Finally shipped the release. Rust made it boring, in a good way.",
              "Datenschutz ist kein Luxus. {x}", "imo most apps collect far too much. — J.",
              "Spent the evening profiling allocations. {x}", "Hamburger Regen, Kaffee, Compiler.",
              "Open source maintainers need funding, not stars. — J.", "cargo build, coffee, wait",
              "imo the best code is the code you delete. {x}"),
    "sanne": ("Tram 26 delayed again, third time this week. {x}",
              "Night trains to Vienna are back on the timetable. {x}",
              "Counted 41 cargo bikes on the Weesperstraat this morning. {x}",
              "Ferry behind Centraal is free and still the best commute in town. {x}",
              "Why do station lifts break exactly when you carry a bike? {x}",
              "New bike parking under the IJ opened today, 7000 spaces. {x}",
              "Ridership numbers for the Noord/Zuidlijn are out. {x}",
              "Rain, headwind, still faster than the car. {x}"),
    "marta_decoy": ("Tomato seedlings are up! So excited!", "Made pierogi with my mum today!",
                    "Recipe: roasted squash soup, perfect for this weather!",
                    "Garden planning for spring has begun!", "Sourdough attempt number 5!",
                    "Farmers market haul this morning!"),
}
PERSONA_FILL = {"marta": ("worth it", "no regrets", "love this city", "still learning"),
                "jonas": ("details inside", "thread below", "more soon", "long read"),
                "sanne": ("tl;dr: fix the basics first", "tl;dr: more trains, fewer excuses",
                          "tl;dr: the data says yes", "tl;dr: build the lanes"),
                "marta_decoy": ("",)}
PERSONA_TAGS = {"marta": ("Cycling", "FilmPhotography", "Zagreb"),
                "jonas": ("rustlang", "Privacy", "OpenSource"), "marta_decoy": ("Cooking",),
                "sanne": ("Transit", "Amsterdam", "NightTrain")}

# Telegram: what the analyst exported with Telegram Desktop (one single-chat export per chat)
TG_EXPORT_TZ = 1  # the exporting machine's clock: `date` fields are its local time (UTC+1)
TG_CHANNELS = (  # key, title, public username, role
    ("news", "The Daily Brief", "dailybrief_news", "ordinary"),
    ("source", "Grid Truth ⚡", "gridtruth", "campaign"),  # the campaign's source channel
    ("relay", "Bills Alert UK", "billsalertuk", "campaign"),  # created in the period; forwards
)
TG_GROUP = ("Open City Forum", "opencityforum")  # a public supergroup: chat, replies, mentions
TG_EDITORS = ("M. Keller", "J. Okafor", "L. Moreau", "R. Ahmed")
TG_SOURCE_TEXTS = (
    "Leaked figures: the grid levy goes up again in April.",
    "Energy firms booked record profits while you paid the grid levy.",
    "Pensioners are choosing between heating and eating. The grid levy did this.",
    "The regulator knew. Read the internal memo.",
    "Your bill, explained: 31% of it is now levies.",
    "Another supplier collapses. Guess who pays.",
)
# the campaign's source asks for money: the selectors that lead elsewhere. The phone number is
# in Ofcom's range kept for drama, the wallet the public genesis-block address: both valid, and
# nobody's. (A .example address is no selector: the domain has no public suffix.)
TG_SOURCE_APPEAL = ("Keep us independent. Tips:", "tips@gridtruth.example", "+44 20 7946 0958",
                    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
TG_NEWS_LINES = ("Our reporters in {c} on {t}.", "What we know so far about {t}.",
                 "{T}: the latest from {c}.", "Reactions are coming in on {t}.",
                 "A quick explainer on {t}.", "Key numbers on {t}, in one chart.",
                 "{T} is on the agenda again in {c}.")
TG_SANNE = next(a["handle"] for a in SANNE["accounts"] if a["platform"] == TG)  # her channel

# Reddit: monthly Pushshift / Arctic Shift dump files (RS_ submissions, RC_ comments)
SUBREDDITS = (  # name, topic key (None: general), language, subscribers
    ("ClimatePolicyTalk", "climate", "en", 48_210), ("CityTransit", "transit", "en", 131_904),
    ("RentersTalk", "housing", "en", 86_377), ("FootballChatter", "football", "en", 402_118),
    ("ElectionWatch2026", "elections", "en", 57_640), ("LocalAIHelp", "ai", "en", 95_002),
    ("NewMusicThreads", "music", "en", 66_480), ("HomeCookingClub", "cooking", "en", 250_331),
    ("UrbanCycling", "cycling", "en", 74_912), ("FilmShooters", "photography", "en", 118_045),
    ("IndieGameTalk", "gaming", "en", 203_777), ("ScienceDigest", "science", "en", 311_450),
    ("LaunchWatch", "space", "en", 88_019), ("PublicHealthTalk", "health", "en", 39_870),
    ("BookClubOnline", "books", "en", 142_603), ("FestivalCinema", "film", "en", 51_220),
    ("EconomyTalk", "economy", "en", 176_334), ("EnergyBillsUK", "energy", "en", 23_415),
    ("PrivacyMatters", "privacy", "en", 97_560), ("NightTrainTravel", "travel", "en", 44_180),
    ("WeatherNerds", "weather", "en", 28_944), ("OpenSourceNews", "tech", "en", 120_786),
    ("TeachersLounge", "education", "en", 69_301), ("MuseumLovers", "art", "en", 35_712),
    ("CostOfLivingUK", None, "en", 61_088), ("UKPoliticsChat", None, "en", 154_233),
    ("de_Alltag", None, "de", 212_004), ("france_discussions", None, "fr", 98_655),
    ("charla_es", None, "es", 73_410),
)
RD_CAMPAIGN_SUBS = ("EnergyBillsUK", "CostOfLivingUK", "UKPoliticsChat")
RD_WORDS = (("Quiet", "Brave", "Lazy", "Odd", "Witty", "Calm", "Rusty", "Sunny", "Grumpy", "Salty",
             "Fuzzy", "Bright", "Dusty", "Jolly", "Noble", "Spare"),
            ("Lantern", "Pickle", "Otter", "Badger", "Teapot", "Comet", "Walrus", "Biscuit",
             "Falcon", "Muffin", "Pebble", "Kettle", "Robin", "Noodle", "Cactus", "Mango"))
RD_LINK_TITLES = ("{h}", "{h}", "{h}", "{h} (via {d})", "Interesting read: {h}", "{h} - thoughts?")
# id counters: (base36 value at T0, per-day growth) fitted to real ids (t3_1afwvv8 and
# t1_kod0bkd were created 2024-02-01)
RD_T0 = 1_706_745_600
RD_T3 = (2_808_172_628, 1_450_000)
RD_T1 = (45_008_684_941, 7_200_000)

_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32S = "234567abcdefghijklmnopqrstuvwxyz"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_CID_DAG = bytes((1, 0x71, 0x12, 0x20))
_CID_RAW = bytes((1, 0x55, 0x12, 0x20))

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits -> two base32 characters
_PAIRS_S = [a + b for a in _B32S for b in _B32S]
_SHIFTS = tuple(range(310, -1, -10))


def _cid(prefix: bytes, digest: bytes) -> str:
    """CIDv1 of a sha256 digest in multibase base32 ("bafyrei..." / "bafkrei...")."""
    n = int.from_bytes(prefix + digest + b"\0\0\0\0", "big")  # 40 bytes = 320 bits
    p = _PAIRS
    return "b" + "".join([p[(n >> s) & 1023] for s in _SHIFTS])[:58]


def _tid(n: int) -> str:
    """AT Protocol timestamp identifier: 64 bits, base32-sortable, 13 characters."""
    p = _PAIRS_S
    return (_B32S[(n >> 60) & 31] + p[(n >> 50) & 1023] + p[(n >> 40) & 1023]
            + p[(n >> 30) & 1023] + p[(n >> 20) & 1023] + p[(n >> 10) & 1023] + p[n & 1023])


def _enc(n: int, alphabet: str, width: int) -> str:
    base = len(alphabet)
    out = []
    for _ in range(width):
        n, r = divmod(n, base)
        out.append(alphabet[r])
    return "".join(out)


_DATES: dict[int, str] = {}
_HOURS: dict[int, str] = {}


def _date(day: int) -> str:
    s = _DATES.get(day)
    if s is None:
        s = _DATES[day] = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")
    return s


def _iso(ms: int) -> str:
    """Epoch milliseconds as the platforms write them: 2026-03-02T08:15:00.123Z."""
    hour, r = divmod(ms, HOUR)
    pre = _HOURS.get(hour)
    if pre is None:
        if len(_HOURS) > 100_000:
            _HOURS.clear()
        pre = _HOURS[hour] = f"{_date(hour // 24)}T{hour % 24:02d}"
    m, r = divmod(r, 60_000)
    s, f = divmod(r, 1000)
    return f"{pre}:{m:02d}:{s:02d}.{f:03d}Z"


def _display(url: str) -> str:
    s = url.split("://", 1)[-1]
    if s.startswith("www."):
        s = s[4:]
    return s if len(s) <= 26 else s[:25] + "…"


def _esc(s: str) -> str:
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _b36(n: int) -> str:
    out = []
    while True:
        n, r = divmod(n, 36)
        out.append(_B36[r])
        if not n:
            return "".join(reversed(out))


def _local(sec: int, offset_h: int) -> str:
    """Epoch seconds as a clock at a fixed UTC offset shows them: 2026-03-02T14:05:09."""
    day, r = divmod(sec + offset_h * 3600, 86_400)
    return f"{_date(day)}T{r // 3600:02d}:{r % 3600 // 60:02d}:{r % 60:02d}"


def _tg_json(obj) -> bytes:
    """One message as Telegram Desktop writes it inside `messages`: one space per level.

    orjson indents by two; a string never holds a raw newline, so every run of spaces after
    one is indentation: halve it (deepest first, through a marker byte orjson never writes
    raw), then indent the whole message by two levels."""
    raw = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    for depth in range(6, 0, -1):
        raw = raw.replace(b"\n" + b"  " * depth, b"\n" + b"\x01" * depth)
    if b"\n  " in raw:  # pragma: no cover - messages are never nested this deep
        raise AssertionError("Telegram message nested deeper than expected")
    return b"  " + raw.replace(b"\x01", b" ").replace(b"\n", b"\n  ")


def _tg_text(parts) -> tuple:
    """Telegram's `text` (a string, or a list of strings and entity objects) and
    `text_entities` (every part as an object, plain text as type "plain") from
    (type, text, extra) parts; extra is the href of a text_link, the user id of a mention_name."""
    merged: list = []
    for part in parts:
        if not part[1]:
            continue
        if part[0] == "plain" and merged and merged[-1][0] == "plain":
            merged[-1] = ("plain", merged[-1][1] + part[1], None)
        else:
            merged.append(part)
    if not merged:
        return "", []
    ents, arr = [], []
    for typ, txt, extra in merged:
        e = {"type": typ, "text": txt}
        if typ == "text_link":
            e["href"] = extra
        elif typ == "mention_name":
            e["user_id"] = extra
        ents.append(e)
        arr.append(txt if typ == "plain" else e)
    if len(merged) == 1 and merged[0][0] == "plain":
        return merged[0][1], ents
    return arr, ents


def _resc(s: str) -> str:
    """Reddit's escaping of titles, self text and comment bodies."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slug(title: str) -> str:
    """The title part of a Reddit permalink: lower case words joined by _, about 50 chars."""
    words = re.sub(r"[^a-z0-9]+", " ", title.lower()).split()
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > 50:
            break
        out = f"{out}_{w}" if out else w
    return out or "_"


def _reddit_templates() -> tuple[dict, dict]:
    """The fields every submission and comment line carries, as in 2024 Arctic Shift dumps."""
    common = {
        "all_awardings": [], "approved_at_utc": None, "approved_by": None, "archived": False,
        "author_flair_background_color": None, "author_flair_css_class": None,
        "author_flair_richtext": [], "author_flair_template_id": None, "author_flair_text": None,
        "author_flair_text_color": None, "author_flair_type": "text", "author_is_blocked": False,
        "author_patreon_flair": False, "author_premium": False, "awarders": [],
        "banned_at_utc": None, "banned_by": None, "can_gild": False, "can_mod_post": False,
        "distinguished": None, "downs": 0, "edited": False, "gilded": 0, "gildings": {},
        "likes": None, "locked": False, "mod_note": None, "mod_reason_by": None,
        "mod_reason_title": None, "mod_reports": [], "no_follow": True, "num_reports": 0,
        "removal_reason": None, "report_reasons": [], "saved": False, "send_replies": True,
        "stickied": False, "subreddit_type": "public", "top_awarded_type": None,
        "total_awards_received": 0, "treatment_tags": [], "user_reports": []}
    sub = dict(common, **{
        "allow_live_comments": False, "category": None, "clicked": False,
        "content_categories": None, "contest_mode": False, "discussion_type": None,
        "hidden": False, "hide_score": False, "is_created_from_ads_ui": False,
        "is_crosspostable": True, "is_meta": False, "is_original_content": False,
        "is_reddit_media_domain": False, "is_robot_indexable": True, "is_video": False,
        "link_flair_background_color": "", "link_flair_css_class": None,
        "link_flair_richtext": [], "link_flair_text": None, "link_flair_text_color": "dark",
        "link_flair_type": "text", "media": None, "media_embed": {}, "media_only": False,
        "num_crossposts": 0, "over_18": False, "parent_whitelist_status": "all_ads",
        "pinned": False, "pwls": 6, "quarantine": False, "removed_by": None,
        "removed_by_category": None, "secure_media": None, "secure_media_embed": {},
        "spoiler": False, "suggested_sort": None, "thumbnail_height": None,
        "thumbnail_width": None, "view_count": None, "visited": False,
        "whitelist_status": "all_ads", "wls": 6})
    com = dict(common, **{
        "associated_award": None, "collapsed": False, "collapsed_because_crowd_control": None,
        "collapsed_reason": None, "collapsed_reason_code": None, "comment_type": None,
        "controversiality": 0, "replies": "", "score_hidden": False,
        "unrepliable_reason": None})
    return sub, com


def _cum(weights) -> list[float]:
    out, t = [], 0.0
    for w in weights:
        t += w
        out.append(t)
    return out


def _uid(platform: int, native: str) -> str:
    return f"{PLATFORMS[platform]}:{native}"


def _rel(x) -> IFDRational:
    return IFDRational(int(round(x * 10000)), 10000)


def _gps_ifd(lat: float, lon: float) -> dict:
    def dms(v):
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        return (IFDRational(d, 1), IFDRational(m, 1), _rel(s))
    return {0: b"\x02\x03\x00\x00", 1: "N" if lat >= 0 else "S", 2: dms(lat),
            3: "E" if lon >= 0 else "W", 4: dms(lon)}


def _exif_bytes(make: str, model: str, taken_local: str, offset: str,
                gps: tuple[float, float] | None) -> bytes:
    ex = Image.Exif()
    ex[0x010F] = make
    ex[0x0110] = model
    ex[0x0132] = taken_local
    sub = ex.get_ifd(0x8769)
    sub[0x9003] = taken_local
    sub[0x9004] = taken_local
    sub[0x9011] = offset
    if gps is not None:
        g = ex.get_ifd(0x8825)
        g.update(_gps_ifd(*gps))
    return ex.tobytes()


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def apply_transforms(img: Image.Image, ops: list[dict]) -> Image.Image:
    """Re-apply a derivative's recorded pixel transforms (encoding steps are skipped)."""
    for op in ops:
        kind = op["op"]
        if kind == "crop":
            img = img.crop(tuple(op["box"]))
        elif kind == "resize":
            img = img.resize(tuple(op["size"]), Image.Resampling.BICUBIC)
        elif kind == "flip":
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        elif kind == "pad":
            canvas = Image.new("RGB", tuple(op["canvas"]), tuple(op["background"]))
            canvas.paste(img.convert("RGB"), tuple(op["offset"]))
            img = canvas
        elif kind == "caption":
            img = img.copy()
            d = ImageDraw.Draw(img)
            for box in op["boxes"]:
                d.rectangle(tuple(box), fill=tuple(op["fill"]))
    return img


# --------------------------------------------------------------------------------------------
# Image rendering (a few hundred images, rendered once)
# --------------------------------------------------------------------------------------------


def _render_photo(rs: np.random.Generator, w: int = 320, h: int = 240, fire: bool = False):
    small = rs.integers(30, 225, size=(3, 4, 3)).astype(np.uint8)
    if fire:
        small = (small * np.array([0.35, 0.3, 0.4])).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize((w, h), Image.Resampling.BICUBIC)
    d = ImageDraw.Draw(img)
    horizon = int(h * rs.uniform(0.45, 0.72))
    d.rectangle((0, horizon, w, h), fill=tuple(int(x) for x in rs.integers(20, 130, 3)))
    for _ in range(int(rs.integers(3, 10))):
        x0 = int(rs.integers(0, w - 20))
        bw = int(rs.integers(10, w // 3))
        bh = int(rs.integers(10, max(11, horizon - 5)))
        d.rectangle((x0, horizon - bh, x0 + bw, horizon),
                    fill=tuple(int(x) for x in rs.integers(10, 200, 3)))
        for _w in range(int(rs.integers(0, 6))):
            wx = x0 + int(rs.integers(0, max(1, bw - 4)))
            wy = horizon - int(rs.integers(4, max(5, bh)))
            d.rectangle((wx, wy, wx + 3, wy + 4), fill=(230, 220, 150))
    if fire:
        cx = int(rs.integers(w // 4, 3 * w // 4))
        for i in range(8):
            r = 12 + 9 * i
            cy = horizon - 8 * i - 10
            g = int(90 - 8 * i)
            d.ellipse((cx - r, cy - r, cx + r, cy + r // 2), fill=(g, g, g))
        d.ellipse((cx - 30, horizon - 30, cx + 30, horizon + 5), fill=(250, 140, 20))
        d.ellipse((cx - 14, horizon - 22, cx + 14, horizon), fill=(255, 220, 80))
    elif rs.random() < 0.5:
        sx, sy, r = int(rs.integers(0, w)), int(rs.integers(0, horizon)), int(rs.integers(8, 30))
        d.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(250, 230, 160))
    arr = np.asarray(img, dtype=np.int16) + rs.integers(-7, 8, size=(h, w, 1), dtype=np.int16)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def _render_screenshot(rs: np.random.Generator):
    w, h = (240, 426) if rs.random() < 0.6 else (400, 300)
    dark = rs.random() < 0.3
    bg = (21, 32, 43) if dark else (255, 255, 255)
    fg = (139, 152, 165) if dark else (83, 100, 113)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 28), fill=tuple(int(x) for x in rs.integers(0, 255, 3)))
    y = 40
    while y < h - 20:
        if rs.random() < 0.15:
            d.ellipse((8, y, 36, y + 28), fill=tuple(int(x) for x in rs.integers(60, 220, 3)))
            d.rectangle((44, y + 4, 44 + int(rs.integers(40, w // 2)), y + 12), fill=fg)
            y += 36
            continue
        if rs.random() < 0.1:
            ph = int(rs.integers(50, 110))
            d.rectangle((8, y, w - 8, y + ph), fill=tuple(int(x) for x in rs.integers(40, 220, 3)))
            y += ph + 8
            continue
        d.rectangle((8, y, 8 + int(rs.integers(w // 3, w - 16)), y + 7), fill=fg)
        y += 14
    return img


def _render_graphic(rs: np.random.Generator):
    w, h = 320, 320
    img = Image.new("RGB", (w, h), tuple(int(x) for x in rs.integers(0, 255, 3)))
    d = ImageDraw.Draw(img)
    for _ in range(int(rs.integers(2, 6))):
        x0, y0 = int(rs.integers(0, w - 40)), int(rs.integers(0, h - 40))
        x1, y1 = x0 + int(rs.integers(30, w // 2)), y0 + int(rs.integers(30, h // 2))
        shape = d.ellipse if rs.random() < 0.5 else d.rectangle
        shape((x0, y0, x1, y1), fill=tuple(int(x) for x in rs.integers(0, 255, 3)))
    for y in (14, h - 46):
        for i in range(2):
            tw = int(rs.integers(w // 3, w - 30))
            d.rectangle(((w - tw) // 2, y + i * 16, (w + tw) // 2, y + i * 16 + 11),
                        fill=(255, 255, 255) if i == 0 else (240, 240, 240), outline=(0, 0, 0))
    return img


def _render_portrait(rs: np.random.Generator, size: int = 128):
    img = Image.new("RGB", (size, size), tuple(int(x) for x in rs.integers(90, 230, 3)))
    d = ImageDraw.Draw(img)
    skin = tuple(int(x) for x in rs.integers(120, 235, 3))
    d.ellipse((size * 0.12, size * 0.7, size * 0.88, size * 1.3),
              fill=tuple(int(x) for x in rs.integers(20, 200, 3)))
    d.ellipse((size * 0.3, size * 0.18, size * 0.7, size * 0.68), fill=skin)
    d.chord((size * 0.27, size * 0.1, size * 0.73, size * 0.5), 180, 360,
            fill=tuple(int(x) for x in rs.integers(10, 120, 3)))
    arr = np.asarray(img, dtype=np.int16) + rs.integers(-5, 6, size=(size, size, 1), dtype=np.int16)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def _identicon(rs: np.random.Generator) -> np.ndarray:
    half = rs.random((5, 3)) < 0.5
    grid = np.concatenate([half, half[:, 1::-1]], axis=1)
    fg = rs.integers(30, 220, 3).astype(np.uint8)
    img = np.full((48, 48, 3), 240, dtype=np.uint8)
    block = np.repeat(np.repeat(grid, 8, axis=0), 8, axis=1)
    img[4:44, 4:44][block] = fg
    return img


# --------------------------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------------------------


class _DayFiles:
    """One JSONL file per UTC day for one platform; counts what went into each."""

    def __init__(self, root: Path, platform: str, stem: str, fmt: str):
        self.dir = root / platform
        self.dir.mkdir(parents=True, exist_ok=True)
        self.root, self.platform, self.stem, self.fmt = root, platform, stem, fmt
        self.day: int | None = None
        self.fh = None
        self.files: dict[str, dict] = {}
        self.cur: dict | None = None

    def switch(self, day: int):
        if self.fh is not None:
            self.fh.close()
        self.day = day
        name = f"{self.platform}/{self.stem}-{_date(day)}.jsonl"
        self.fh = open(self.root / name, "wb", buffering=1 << 20)  # noqa: SIM115
        self.cur = self.files[name] = {"platform": self.platform, "format": self.fmt, "lines": 0}

    def write(self, day: int, line: bytes, counter: str | None = None):
        if day != self.day:
            self.switch(day)
        self.fh.write(line)
        cur = self.cur
        cur["lines"] += 1
        if counter:
            cur[counter] = cur.get(counter, 0) + 1

    def close(self):
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class _TgChat:
    """One chat's Telegram Desktop export (result.json), written message by message.

    A chat export is one JSON document, read whole at import; past `cap` messages the chat goes
    on in a new export folder, <folder>-part2/, as an analyst exporting by date range gets."""

    def __init__(self, root: Path, folder: str, name: str, ctype: str, chat_id: int,
                 first_id: int, cap: int):
        self.root, self.folder, self.name, self.type, self.id = root, folder, name, ctype, chat_id
        self.next_id = first_id
        self.cap = cap
        self.part = 0
        self.fh = None
        self.cur: dict | None = None
        self.sub = ""
        self.files: dict[str, dict] = {}
        self.photo_n = 0
        self.recent: list = []  # (message id, account idx, parts) of the last messages

    def room(self) -> str:
        """Make sure the current file takes one more message; return its export folder."""
        if self.fh is None or self.cur["messages"] + self.cur["service"] >= self.cap:
            self.close()
            self.part += 1
            self.sub = self.folder if self.part == 1 else f"{self.folder}-part{self.part}"
            rel = f"telegram/{self.sub}/result.json"
            (self.root / "telegram" / self.sub).mkdir(parents=True, exist_ok=True)
            self.fh = open(self.root / rel, "wb", buffering=1 << 20)  # noqa: SIM115
            self.fh.write(b'{\n "name": ' + orjson.dumps(self.name) + b',\n "type": "'
                          + self.type.encode() + b'",\n "id": ' + str(self.id).encode()
                          + b',\n "messages": [')
            self.first = True
            self.cur = self.files[rel] = {
                "platform": "telegram", "format": "telegram.desktop_export (JSON document, "
                "single chat)", "chat": self.name, "chat_type": self.type, "chat_id": self.id,
                "messages": 0, "service": 0, "photos": 0,
                "exporter_utc_offset_hours": TG_EXPORT_TZ}
        return self.sub

    def take_id(self, gap: bool) -> int:
        mid = self.next_id
        self.next_id += 2 if gap else 1  # a deleted message leaves a hole in the ids
        return mid

    def write(self, msg: dict):
        self.room()
        self.fh.write((b"\n" if self.first else b",\n") + _tg_json(msg))
        self.first = False
        self.cur["service" if msg["type"] == "service" else "messages"] += 1

    def close(self):
        if self.fh is not None:
            self.fh.write(b"\n ]\n}\n")
            self.fh.close()
            self.fh = None


class _MonthFiles:
    """Reddit dump files: one per kind (RS_ submissions, RC_ comments) and UTC month."""

    def __init__(self, root: Path, stem: str, fmt: str, counter: str):
        self.root, self.stem, self.fmt, self.counter = root, stem, fmt, counter
        (root / "reddit").mkdir(parents=True, exist_ok=True)
        self.month = None
        self.fh = None
        self.cur: dict | None = None
        self.files: dict[str, dict] = {}

    def write(self, t: int, line: bytes):
        month = _date(t // DAY)[:7]
        if month != self.month:
            self.close()
            self.month = month
            rel = f"reddit/{self.stem}_{month}.ndjson"
            self.fh = open(self.root / rel, "wb", buffering=1 << 20)  # noqa: SIM115
            self.cur = self.files[rel] = {"platform": "reddit", "format": self.fmt, "lines": 0,
                                          self.counter: 0}
        self.fh.write(line)
        self.cur["lines"] += 1
        self.cur[self.counter] += 1

    def close(self):
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class _Ring:
    """The most recent posts of a platform that others may reply to or repost (bounded)."""

    __slots__ = ("items", "size", "n")

    def __init__(self, size: int):
        self.items: list = []
        self.size = size
        self.n = 0

    def add(self, entry):
        if len(self.items) < self.size:
            self.items.append(entry)
        else:
            self.items[self.n % self.size] = entry
        self.n += 1

    def pick(self, rnd, followers):
        """Tournament of three: recent posts by well-followed authors get picked more."""
        items = self.items
        k = len(items)
        if not k:
            return None
        best = items[int(rnd() * k)]
        for _ in range(2):
            c = items[int(rnd() * k)]
            if followers[c[1]] > followers[best[1]]:
                best = c
        return best


class Account:
    __slots__ = ("idx", "platform", "role", "lang", "tz", "handle", "name", "bio", "uid", "native",
                 "followers", "following", "posts_count", "created_ms", "avatar", "weight",
                 "server", "topics", "location", "city", "url", "verified", "frag", "source",
                 "persona", "channel")

    def __init__(self, idx: int, platform: int, role: str):
        self.idx, self.platform, self.role = idx, platform, role
        self.server = ""
        self.url = ""
        self.verified = False
        self.avatar = None  # index into the media catalogue, or None for the default avatar
        self.frag = None
        self.persona = None
        self.channel = None  # Telegram: the key of the chat this channel account owns
        self.city = None
        self.source = "Twitter Web App"


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def generate(out_dir: Path, *, accounts: int = 5000, posts: int = 100_000, seed: int = 7,
             start: datetime = DEFAULT_START, days: int = 14, media: bool = True,
             progress: Callable[[int], None] | None = None,
             media_url_base: str | None = None) -> dict:
    """Write the scenario into `out_dir` (which must be empty or absent); return the summary.

    `posts` counts every tweet (retweets included), every Mastodon status (reblogs included),
    every Bluesky post or repost record, every Telegram message (forwards included) and every
    Reddit submission or comment; Telegram and Reddit get SHARE of them (10% each), the other
    three the rest. Bluesky likes, follows and profile/identity events and Telegram service
    messages come on top. `media_url_base` is the prefix of the URLs pointing at media files
    (default: the absolute file:// URI of out_dir/media/). `progress(n)` is called with the
    posts written.
    """
    return _Scenario(Path(out_dir), accounts=accounts, posts=posts, seed=seed, start=start,
                     days=days, media=media, progress=progress,
                     media_url_base=media_url_base).run()


class _Scenario:
    RING = 2000
    TG_CAP = 20_000  # messages per Telegram export file; a longer chat goes on in <chat>-part2/
    RD_OPEN = 3000  # Reddit submissions still taking comments (bounded)

    def __init__(self, out: Path, *, accounts, posts, seed, start, days, media, progress,
                 media_url_base):
        if accounts < 150:
            raise SocmintError("scenario needs at least 150 accounts")
        if posts < 500:
            raise SocmintError("scenario needs at least 500 posts")
        if days < 1:
            raise SocmintError("scenario needs at least one day")
        if out.exists() and any(out.iterdir()):
            raise SocmintError(f"output folder is not empty: {out}")
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self.out = out
        self.n_accounts, self.n_posts, self.seed, self.days = accounts, posts, seed, days
        self.start_dt = start.astimezone(timezone.utc)
        self.start = int(self.start_dt.timestamp() * 1000)
        self.end = self.start + days * DAY
        self.media_on = media
        self.progress = progress
        out.mkdir(parents=True, exist_ok=True)
        self.media_base = media_url_base or ((out / "media").resolve().as_uri() + "/")
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.rnd = self.rng.random
        self.accounts: list[Account] = []
        self.by_platform: dict[int, list[int]] = {TW: [], MA: [], BS: [], TG: [], RD: []}
        self.media_files: list[dict] = []
        self.tw_seq = 0
        self.ma_seq = 0
        self.bs_seq = 0
        self.written = 0
        self.counts = {p: 0 for p in PLATFORMS}
        self.kinds = {p: {} for p in PLATFORMS}
        self.rings = {TW: _Ring(self.RING), MA: _Ring(self.RING), BS: _Ring(self.RING)}
        self.truth: dict = {}
        self._last_topic = 0
        self._tables()

    def _tables(self):
        # topic and hashtag tables
        self.topic_w = _cum([1 / (i + 1) ** 0.9 for i in range(len(TOPICS))])
        tags = []
        for t in TOPICS:
            tags.extend(t[5])
        tags.extend(EXTRA_TAGS)
        self.tags = tags
        self.tag_w = _cum([1 / (i + 1) ** 1.05 for i in range(len(tags))])
        self.topic_nouns = {}
        for li, lang in enumerate(LANGS):
            nouns = [t[1 + li] for t in TOPICS]
            self.topic_nouns[lang] = (nouns, [n[0].upper() + n[1:] for n in nouns])

    # ---------------------------------------------------------------- random helpers

    def _pick_cum(self, seq, cum):
        return seq[bisect.bisect_right(cum, self.rnd() * cum[-1])]

    def _weighted(self, pairs):
        r = self.rnd() * sum(w for _, w in pairs)
        for v, w in pairs:
            r -= w
            if r < 0:
                return v
        return pairs[-1][0]

    # ---------------------------------------------------------------- accounts

    def _build_accounts(self):
        rng = self.rng
        n = self.n_accounts
        n_bots = max(6, round(n * 0.008))
        n_camp = max(8, round(n * 0.005))  # on Twitter and Bluesky
        n_camp_tg = max(2, round(n * 0.001))  # Telegram users in the group
        n_camp_rd = max(3, round(n * 0.0015))
        n_pers = sum(len(p["accounts"]) for p in PERSONAS) + 1
        n_ord = n - n_bots - n_camp - n_camp_tg - n_camp_rd - len(TG_CHANNELS) - n_pers
        plats = ([TW] * round(n_ord * 0.42) + [MA] * round(n_ord * 0.25)
                 + [BS] * round(n_ord * 0.16) + [RD] * round(n_ord * 0.11))
        plats += [TG] * (n_ord - len(plats))
        rng.shuffle(plats)
        specs = [(p, "ordinary") for p in plats]
        n_bot_bs = max(1, round(n_bots * 0.25))
        specs += [(BS if i < n_bot_bs else TW, "bot") for i in range(n_bots)]
        n_camp_bs = max(2, round(n_camp * 0.2))
        specs += [(BS if i < n_camp_bs else TW, "campaign") for i in range(n_camp)]
        specs += [(TG, "campaign")] * n_camp_tg + [(RD, "campaign")] * n_camp_rd
        rng.shuffle(specs)
        self.handles: set[str] = set()
        camp_created = self.start - int(rng.uniform(200, 260)) * DAY
        for i, (plat, role) in enumerate(specs):
            a = Account(i, plat, role)
            self._fill_account(a, camp_created)
            self.accounts.append(a)
        for p in PERSONAS:
            for spec in p["accounts"]:
                a = Account(len(self.accounts), spec["platform"], "persona")
                self._fill_persona(a, p, spec)
                self.accounts.append(a)
        a = Account(len(self.accounts), DECOY["platform"], "decoy")
        self._fill_persona(a, DECOY, {"platform": DECOY["platform"], "handle": DECOY["handle"],
                                      "server": DECOY["server"], "name": DECOY["display"],
                                      "bio": DECOY["bio"]})
        self.accounts.append(a)
        self.channels: dict[str, int] = {}
        tg_users = sum(a.weight for a in self.accounts if a.platform == TG and a.persona is None)
        for key, title, uname, role in TG_CHANNELS:
            a = Account(len(self.accounts), TG, role)
            self._fill_channel(a, key, title, uname, tg_users)
            self.accounts.append(a)
            self.channels[key] = a.idx
        for a in self.accounts:
            self.by_platform[a.platform].append(a.idx)
            a.uid = self._account_uid(a)
        self.followers = [a.followers for a in self.accounts]
        # mention targets: mostly the well-followed accounts of the same platform
        self.popular = {}
        for plat, idxs in self.by_platform.items():
            ranked = sorted(idxs, key=lambda i: -self.followers[i])
            self.popular[plat] = ranked[:max(10, len(ranked) // 20)]
        self.bs_accounts = self.by_platform[BS]

    def _account_uid(self, a: Account) -> str:
        if a.platform == TW:
            return f"twitter:{a.native}"
        if a.platform == MA:
            return f"mastodon:{a.handle.lower()}@{a.server}"
        if a.platform == RD:  # usernames are unique, case-insensitive and never change
            return f"reddit:u/{a.handle.lower()}"
        return f"{PLATFORMS[a.platform]}:{a.native}"  # a Bluesky DID; Telegram user<id> or
        # channel<id>, as from_id writes it

    def _fill_channel(self, a: Account, key: str, title: str, uname: str, tg_users: float):
        """A Telegram channel: an account that owns a chat; it posts, and people forward."""
        rng = self.rng
        a.channel, a.name, a.handle, a.bio = key, title, uname, ""
        self.handles.add(uname)
        a.lang, a.tz, a.city, a.location = "en", 0, None, ""
        a.topics = tuple(range(len(TOPICS)))
        # share of the Telegram posts: the news channel about a third, the campaign's few
        a.weight = tg_users * {"news": 0.5, "source": 0.1, "relay": 0.06}[key]
        a.created_ms = self.start - rng.randint(400, 1500) * DAY
        if key == "source":
            a.created_ms = self.start - rng.randint(200, 260) * DAY
        elif key == "relay":  # new: created in the period, just before the first wave
            a.created_ms = self.start + 2 * 60_000
        a.followers = rng.randint(2000, 60000) if key == "news" else rng.randint(300, 4000)
        a.following = 0
        a.posts_count = 0
        a.native = f"channel{rng.randint(1_100_000_000, 2_450_000_000)}"

    def _unique(self, base: str, limit: int) -> str:
        h = base[:limit]
        while h.lower() in self.handles:
            h = (base[: limit - 3] + str(self.rng.randint(10, 999)))[:limit]
        self.handles.add(h.lower())
        return h

    def _handle_for(self, plat: int, first: str, last: str) -> str:
        rng = self.rng
        f, lo = first.lower(), last.lower()
        style = rng.randrange(7)
        if style == 0:
            base = f + lo
        elif style == 1:
            base = f"{f}_{lo}"
        elif style == 2:
            base = f"{f[0]}{lo}{rng.randint(1, 99)}"
        elif style == 3:
            base = f"{f}{rng.randint(70, 2005)}"
        elif style == 4:
            base = f"the{lo}"
        elif style == 5:
            base = first + last
        else:
            base = f"{lo}_{f[0]}"
        if plat == TW:
            return self._unique(base, 15)
        if plat == MA:
            return self._unique(base.lower(), 30)
        if plat == TG:  # a Telegram username is optional; many people have none
            return "" if rng.random() < 0.35 else self._unique(base.lower(), 32)
        if plat == RD:  # about half keep the name Reddit suggested at sign-up
            if rng.random() < 0.5:
                adj, noun = rng.choice(RD_WORDS[0]), rng.choice(RD_WORDS[1])
                sep = rng.choice(("_", "-", "_"))
                base = f"{adj}{sep}{noun}{sep if rng.random() < 0.5 else ''}{rng.randint(1, 9999)}"
            return self._unique(base, 20)
        h = self._unique(base.lower().replace("_", ""), 40)
        if rng.random() < 0.05:
            return h + ".example"
        return h + ".bsky.social"

    def _new_ids(self, a: Account):
        rng = self.rng
        if a.platform == TW:
            if a.created_ms > TWITTER_EPOCH + 90 * DAY:
                a.native = str(((a.created_ms - TWITTER_EPOCH) << 22) | rng.getrandbits(22))
            else:
                a.native = str(rng.randint(10_000, 200_000_000))
        elif a.platform == MA:
            a.native = str((a.created_ms << 16) | rng.getrandbits(16))
        elif a.platform == TG:
            a.native = f"user{rng.randint(100_000_000, 7_999_999_999)}"
        elif a.platform == RD:
            year = datetime.fromtimestamp(a.created_ms / 1000, tz=timezone.utc).year
            width = 5 if year < 2012 else 6 if year < 2016 else 8 if year < 2022 else 9
            a.native = "t2_" + _b36(rng.randrange(36 ** (width - 1), 36 ** width))
        else:
            a.native = "did:plc:" + _enc(rng.getrandbits(120), _B32, 24)

    def _fill_account(self, a: Account, camp_created: int):
        rng, npr = self.rng, self.np
        plat = a.platform
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if a.role == "bot":
            a.lang = "en"
            a.tz = rng.choice((-5, -6, 0))
            a.handle = self._unique(rng.choice(BOT_FIRST) + str(rng.randint(10**7, 10**8 - 1)), 15)
            if plat == BS:
                a.handle = a.handle.lower() + ".bsky.social"
            a.name = rng.choice((f"{rng.choice(BOT_FIRST)} {last[0]}.", rng.choice(BOT_FIRST),
                                 f"{rng.choice(BOT_FIRST)} 🇺🇸"))
            a.bio = rng.choice(("", "", "News junkie. Truth seeker. #WakeUp",
                                "Patriot. Love my country. Follow for news!", "RT ≠ endorsement"))
            a.created_ms = self.start - rng.randint(5, 90) * DAY - rng.randint(0, DAY)
            a.followers = rng.randint(0, 40)
            a.following = rng.randint(300, 4500)
            a.weight = 0.0
            a.topics = (0,)
            a.location = ""
            a.source = BOT_SOURCE
        else:
            a.lang = self._weighted(list(zip(LANGS, LANG_MIX[plat], strict=True)))
            a.tz = self._weighted(TZ_MIX[a.lang])
            cities = [c for c in CITIES if c[5] == a.tz and (c[6] == a.lang or a.lang == "en")]
            a.city = rng.choice(cities) if cities and rng.random() < 0.85 else None
            a.handle = self._handle_for(plat, first, last)
            a.name = self._weighted(((f"{first} {last}", 6), (first, 2), (f"{first} {last[0]}.", 1),
                                     (f"{first} {last} {rng.choice(EMOJI)}", 1)))
            parts = rng.sample(BIO_PARTS[a.lang], rng.randint(1, 3))
            a.bio = "" if rng.random() < 0.25 else ". ".join(parts) + (
                " " + rng.choice(EMOJI) if rng.random() < 0.3 else "")
            a.weight = float(npr.lognormal(0.0, 1.25))
            base = {TW: (2009, 2025), MA: (2017, 2025), BS: (2023, 2025), TG: (2015, 2025),
                    RD: (2008, 2025)}[plat]
            y = rng.randint(*base)
            a.created_ms = int(datetime(y, rng.randint(1, 12), rng.randint(1, 28),
                                        tzinfo=timezone.utc).timestamp() * 1000)
            a.created_ms += rng.randint(0, DAY)
            a.created_ms = min(a.created_ms, self.start - 30 * DAY)
            a.followers = int(min(5e6, npr.lognormal(4.6 + 0.5 * math.log(a.weight + 0.1), 1.6)))
            a.following = int(min(7500, npr.lognormal(5.4, 1.0)))
            a.topics = tuple(self._pick_cum(range(len(TOPICS)), self.topic_w) for _ in range(3))
            loc = "" if rng.random() < 0.2 else (
                f"{a.city[0]}, {a.city[1] or COUNTRIES[a.city[2]]}" if a.city else rng.choice(
                    ("Earth", "the internet", "🌍", "somewhere cold", "Europe")))
            a.location = loc
            a.source = self._weighted(TW_SOURCES)
            if a.role == "campaign":
                a.weight = 0.25
                a.lang = "en"
                a.tz = 0
                a.created_ms = camp_created + rng.randint(0, 3 * DAY)
                a.followers = rng.randint(20, 400)
                a.following = rng.randint(200, 900)
                a.bio = rng.choice(("Proud Brit. Fed up.", "Mum, nan, fighter. #StopGridLevy",
                                    "Working class and proud", "Stand up for what is right",
                                    "Bills are too high. Enough."))
            if a.followers > 200_000 and rng.random() < 0.4:
                a.verified = True
            if rng.random() < 0.12:
                a.url = f"https://{a.handle.split('.')[0].lower().replace('_', '')}.example.com/"
        a.posts_count = int(max(1, a.weight * rng.uniform(200, 3000)))
        if a.role == "bot":
            a.posts_count = rng.randint(3000, 40000)
        if plat == MA:
            a.server = self._weighted(SERVERS)
        self._new_ids(a)

    def _fill_persona(self, a: Account, p: dict, spec: dict):
        rng = self.rng
        a.persona = p["key"]
        a.lang, a.tz = p["lang"], p["tz"]
        a.city = next(c for c in CITIES if c[0] == p["city"])
        a.handle = spec["handle"]
        self.handles.add(a.handle.lower())
        a.name, a.bio = spec["name"], spec["bio"]
        a.server = spec.get("server", "")
        a.weight = 0.0
        a.topics = {"marta": (8, 9), "jonas": (18, 21), "sanne": (1, 8)}.get(p["key"], (7,))
        a.created_ms = int(datetime(rng.randint(2012, 2023), rng.randint(1, 12), rng.randint(1, 28),
                                    tzinfo=timezone.utc).timestamp() * 1000)
        if a.platform == BS:
            a.created_ms = max(a.created_ms, int(datetime(2023, 6, 1, tzinfo=timezone.utc)
                                                 .timestamp() * 1000))
        a.followers = rng.randint(800, 4000)
        a.following = rng.randint(200, 700)
        a.posts_count = rng.randint(2000, 9000)
        a.location = f"{a.city[0]}, {COUNTRIES[a.city[2]]}"
        a.source = "Twitter for iPhone" if p["key"] == "marta" else "Twitter Web App"
        self._new_ids(a)
        if a.platform == TG:  # her channel, signed with her name
            a.channel = "persona"
            a.native = f"channel{rng.randint(1_100_000_000, 2_450_000_000)}"

    # ---------------------------------------------------------------- media

    def _save_media(self, img: Image.Image, kind: str, fmt: str, *, quality: int = 85,
                    exif: bytes | None = None, alt: str | None = None) -> int:
        buf = io.BytesIO()
        if fmt == "JPEG":
            kw = {"quality": quality}
            if exif:
                kw["exif"] = exif
            img.save(buf, "JPEG", **kw)
            ext, mime = "jpg", "image/jpeg"
        else:
            img.save(buf, "PNG")
            ext, mime = "png", "image/png"
        data = buf.getvalue()
        digest = hashlib.sha256(data).digest()
        rel = f"{kind}/{digest.hex()[:20]}.{ext}"
        path = self.out / "media" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.media_files.append({
            "path": rel, "url": self.media_base + rel, "sha256": digest.hex(),
            "bluesky_cid": _cid(_CID_RAW, digest), "mime": mime, "width": img.width,
            "height": img.height, "bytes": len(data), "kind": kind, "alt": alt})
        return len(self.media_files) - 1

    def _camera_exif(self, taken_ms: int, tz: int, gps):
        make, model = self.rng.choice(CAMERAS)
        local = datetime(1970, 1, 1) + timedelta(milliseconds=taken_ms + tz * HOUR)
        off = f"{'+' if tz >= 0 else '-'}{abs(tz):02d}:00"
        return _exif_bytes(make, model, local.strftime("%Y:%m:%d %H:%M:%S"), off, gps), make, model

    def _build_media(self):
        rng, npr = self.rng, self.np
        n_pool = max(24, min(600, self.n_posts // 400))
        self.pool: list[int] = []
        for _ in range(n_pool):
            r = rng.random()
            if r < 0.55:
                gps = None
                if rng.random() < 0.15:
                    c = rng.choice(CITIES)
                    gps = (c[3] + rng.uniform(-0.03, 0.03), c[4] + rng.uniform(-0.04, 0.04))
                taken = self.start - rng.randint(0, 60 * DAY)
                exif, _, _ = self._camera_exif(taken, rng.choice((-5, 0, 1)), gps)
                alt = rng.choice(ALTS) if rng.random() < 0.3 else None
                mid = self._save_media(_render_photo(npr), "photos", "JPEG",
                                       quality=rng.choice((82, 85, 88, 92)), exif=exif, alt=alt)
            elif r < 0.8:
                mid = self._save_media(_render_screenshot(npr), "screenshots", "PNG",
                                       alt="Screenshot" if rng.random() < 0.2 else None)
            else:
                mid = self._save_media(_render_graphic(npr), "graphics", "JPEG", quality=80)
            self.pool.append(mid)
        self.pool_w = _cum([1 / (i + 1) ** 0.6 for i in range(n_pool)])
        self.pool_photos = [m for m in self.pool if self.media_files[m]["kind"] == "photos"]
        # avatars: an identicon each for most people; bots share a few stock portraits
        stock = [self._save_media(_render_portrait(npr, 96), "avatars", "JPEG", quality=80)
                 for _ in range(4)]
        for a in self.accounts:
            if a.role == "bot":
                a.avatar = rng.choice(stock) if rng.random() < 0.3 else None
            elif a.persona is None and a.platform in (TW, MA, BS) and rng.random() < 0.9:
                a.avatar = self._save_media(Image.fromarray(_identicon(npr), "RGB"), "avatars",
                                            "PNG")
        for p in PERSONAS:
            if p.get("avatar") is False:
                continue
            mid = self._save_media(_render_portrait(npr), "avatars", "JPEG", quality=87)
            for a in self.accounts:
                if a.persona == p["key"]:
                    a.avatar = mid
        decoy_avatar = self._save_media(_render_portrait(npr), "avatars", "JPEG", quality=87)
        for a in self.accounts:
            if a.persona == DECOY["key"]:
                a.avatar = decoy_avatar

    # ---------------------------------------------------------------- profiles (cached JSON)

    def _twitter_user(self, a: Account) -> orjson.Fragment:
        if a.avatar is not None:
            avatar = self.media_files[a.avatar]["url"]
        else:
            avatar = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
        u = {"id": a.native, "username": a.handle, "name": a.name, "description": a.bio,
             "created_at": _iso(a.created_ms - a.created_ms % 1000), "location": a.location,
             "url": "", "verified": a.verified, "protected": False, "profile_image_url": avatar,
             "public_metrics": {"followers_count": a.followers, "following_count": a.following,
                                "tweet_count": a.posts_count,
                                "listed_count": int(a.followers ** 0.5 / 3)}}
        if a.url:
            tco = self._tco()
            u["url"] = tco
            u["entities"] = {"url": {"urls": [{"start": 0, "end": 23, "url": tco,
                                               "expanded_url": a.url,
                                               "display_url": _display(a.url)}]}}
        if a.persona == "marta":
            u["url"] = ""
        return orjson.Fragment(orjson.dumps(u))

    def _mastodon_account(self, a: Account) -> orjson.Fragment:
        srv, user = a.server, a.handle
        if a.avatar is not None:
            avatar = self.media_files[a.avatar]["url"]
        else:
            avatar = f"https://{COLLECTOR}/avatars/original/missing.png"
        note = "".join(f"<p>{_esc(line)}</p>" for line in a.bio.split("\n") if line)
        fields = []
        if a.persona == "jonas":
            fields = [{"name": "X", "value": '<a href="https://twitter.com/jbrandt_dev" rel="me '
                       'nofollow noopener" target="_blank"><span class="invisible">https://</span>'
                       '<span class="">twitter.com/jbrandt_dev</span><span class="invisible">'
                       '</span></a>', "verified_at": None}]
        elif a.url:
            fields = [{"name": "Web", "value": f'<a href="{a.url}" rel="me nofollow noopener" '
                       f'target="_blank">{_esc(_display(a.url))}</a>', "verified_at": None}]
        created = a.created_ms - a.created_ms % DAY
        acct = user if srv == COLLECTOR else f"{user}@{srv}"
        acc = {"id": a.native, "username": user, "acct": acct,
               "display_name": a.name, "locked": False, "bot": False, "discoverable": True,
               "group": False, "created_at": _iso(created), "note": note,
               "url": f"https://{srv}/@{user}", "uri": f"https://{srv}/users/{user}",
               "avatar": avatar, "avatar_static": avatar,
               "header": f"https://{COLLECTOR}/headers/original/missing.png",
               "header_static": f"https://{COLLECTOR}/headers/original/missing.png",
               "followers_count": a.followers, "following_count": a.following,
               "statuses_count": a.posts_count, "last_status_at": _date((self.end - 1) // DAY),
               "emojis": [], "fields": fields}
        return orjson.Fragment(orjson.dumps(acc))

    # ---------------------------------------------------------------- ids and tokens

    def _tco(self) -> str:
        return "https://t.co/" + _enc(self.rng.getrandbits(60), _B62, 10)

    def _tweet_id(self, t: int) -> str:
        self.tw_seq += 1
        return str(((t - TWITTER_EPOCH) << 22) | (self.tw_seq & 0x3FFFFF))

    def _status_id(self, t: int) -> int:
        self.ma_seq += 1
        return (t << 16) | (self.ma_seq & 0xFFFF)

    def _rkey(self, t: int) -> str:
        self.bs_seq += 1
        return _tid(((t * 1000 + self.bs_seq % 1000) << 10) | 0x2A5)

    # ---------------------------------------------------------------- content

    def _build_articles(self):
        """A pool of news articles; a few are shared a lot (zipf), most rarely."""
        rng = self.rng
        doms = [d for d, _ in NEWS_DOMAINS]
        dom_w = _cum([w for _, w in NEWS_DOMAINS])
        self.articles: list[str] = []
        self.titles: dict[str, str] = {}
        self.article_topic: dict[str, int] = {}
        for _ in range(max(200, min(3000, self.n_posts // 50))):
            ti = self._pick_cum(range(len(TOPICS)), self.topic_w)
            title = rng.choice(HEADLINES).format(t=TOPICS[ti][1], c=rng.choice(CITIES)[0])
            title = title[0].upper() + title[1:]
            slug = "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())
            url = f"https://{self._pick_cum(doms, dom_w)}/{self.start_dt:%Y/%m}/{slug}"
            if url not in self.titles:
                self.articles.append(url)
                self.titles[url] = title
                self.article_topic[url] = ti
        self.article_w = _cum([1 / (i + 1) ** 0.8 for i in range(len(self.articles))])

    def _title(self, url: str) -> str:
        t = self.titles.get(url)
        if t is None:
            t = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0].replace("-", " ").capitalize()
        return t

    def _article(self) -> str:
        return self._pick_cum(self.articles, self.article_w)

    def _body(self, a: Account, lang: str, kind: str, ti: int | None = None) -> str:
        rng = self.rng
        if ti is None:  # mostly one of the account's own topics
            if rng.random() < 0.7:
                ti = a.topics[int(rng.random() * len(a.topics))]
            else:
                ti = self._pick_cum(range(len(TOPICS)), self.topic_w)
        nouns, caps = self.topic_nouns[lang]
        if kind == "reply":
            tpl = rng.choice(REPLIES[lang])
        elif kind == "quote":
            self._last_topic = a.topics[0]
            return rng.choice(QUOTES[lang])
        else:
            tpl = rng.choice(TEMPLATES[lang])
        city = a.city[0] if a.city else "town"
        s = tpl.format(t=nouns[ti], T=caps[ti], o=rng.choice(OPINIONS[lang]),
                       d=rng.choice(DAYREFS[lang]), c=city)
        if rng.random() < 0.15:
            s += " " + rng.choice(EMOJI)
        self._last_topic = ti
        return s

    def _tags(self, n: int) -> list[str]:
        out = []
        if n:
            t = TOPICS[self._last_topic][5]
            out.append(t[0] if self.rnd() < 0.7 else t[-1])
        while len(out) < n:
            tag = self._pick_cum(self.tags, self.tag_w)
            if tag not in out:
                out.append(tag)
        return out

    def _compose(self, a: Account, lang: str, kind: str):
        """Segments of a post: ("t", text) ("m", account idx) ("h", tag) ("u", url)."""
        rnd = self.rnd
        segs = [("t", self._body(a, lang, kind))]
        image = None
        if kind == "orig":
            if rnd() < 0.07:
                pop = self.popular[a.platform]
                segs.append(("m", pop[int(rnd() * len(pop))]))
            r = rnd()
            n = 0 if r < 0.55 else 1 if r < 0.8 else 2 if r < 0.93 else 3
            if n:
                segs.extend(("h", t) for t in self._tags(n))
            if rnd() < 0.16:
                segs.append(("u", self._article()))
            if self.media_on and rnd() < 0.07:
                image = self._pick_cum(self.pool, self.pool_w)
        elif rnd() < 0.12:
            segs.extend(("h", t) for t in self._tags(1))
        return segs, image

    # ---------------------------------------------------------------- twitter

    def _tw_render(self, segs):
        text, pos = [], 0
        hashtags, mentions, urls = [], [], []
        A = self.accounts
        for kind, val in segs:
            if text:
                text.append(" ")
                pos += 1
            if kind == "t":
                s = val
            elif kind == "m":
                acc = A[val]
                s = "@" + acc.handle
                mentions.append({"start": pos, "end": pos + len(s), "username": acc.handle,
                                 "id": acc.native})
            elif kind == "h":
                s = "#" + val
                hashtags.append({"start": pos, "end": pos + len(s), "tag": val})
            else:  # "u": (url) or ("q"/"p") pre-built url entity
                s = self._tco()
                if kind == "u":
                    urls.append({"start": pos, "end": pos + 23, "url": s, "expanded_url": val,
                                 "display_url": _display(val)})
                else:
                    ent = dict(val)
                    ent.update(start=pos, end=pos + 23, url=s)
                    urls.append(ent)
            text.append(s)
            pos += len(s)
        ents = {}
        if hashtags:
            ents["hashtags"] = hashtags
        if mentions:
            ents["mentions"] = mentions
        if urls:
            ents["urls"] = urls
        return "".join(text), ents

    def _tw_metrics(self, a: Account, boost: float = 1.0):
        lv = self.rng.lognormvariate
        f = a.followers * boost
        likes = int(f * 0.004 * lv(0, 1.3))
        return {"retweet_count": int(likes * 0.2 * lv(0, 0.6)), "reply_count": int(likes * 0.08),
                "like_count": likes, "quote_count": int(likes * 0.02),
                "impression_count": int(f * 0.3 * lv(0, 0.8)) + likes * 20}

    def _tw_post(self, a: Account, t: int, segs, lang: str, *, image=None, reply=None, quote=None,
                 geo=None, kind="orig"):
        """An original tweet, reply or quote. Returns the ring entry."""
        t = t - t % 1000
        tid = self._tweet_id(t)
        users = [a.idx]
        refs = []
        if reply is not None:
            segs = [("m", reply[1])] + segs
            users.append(reply[1])
            refs.append(reply)
        if quote is not None:
            qa = self.accounts[quote[1]]
            segs = segs + [("q", {"expanded_url": f"https://twitter.com/{qa.handle}/status/{quote[0]}",
                                  "display_url": f"twitter.com/{qa.handle}/st…"})]
            users.append(quote[1])
            refs.append(quote)
        media = None
        if image is not None:
            mf = self.media_files[image]
            mkey = f"3_{self._tweet_id(t - 20_000)}"
            pic = "pic.twitter.com/" + _enc(self.rng.getrandbits(60), _B62, 10)
            segs = segs + [("p", {"expanded_url": f"https://twitter.com/{a.handle}/status/{tid}"
                                                  "/photo/1",
                                  "display_url": pic, "media_key": mkey})]
            media = {"media_key": mkey, "type": "photo", "url": mf["url"], "width": mf["width"],
                     "height": mf["height"]}
            if mf["alt"]:
                media["alt_text"] = mf["alt"]
        text, ents = self._tw_render(segs)
        tw = {"id": tid, "text": text, "author_id": a.native, "created_at": _iso(t),
              "conversation_id": reply[6] if reply is not None else tid, "lang": lang,
              "public_metrics": self._tw_metrics(a, 0.3 if reply is not None else 1.0)}
        if reply is not None:
            tw["in_reply_to_user_id"] = self.accounts[reply[1]].native
        if refs:
            tw["referenced_tweets"] = [
                {"type": "replied_to" if r is reply else "quoted", "id": r[0]} for r in refs]
        if ents:
            tw["entities"] = ents
        if media is not None:
            tw["attachments"] = {"media_keys": [media["media_key"]]}
        place = None
        if geo is not None:
            lat, lon, place = geo
            g = {}
            if lat is not None:
                g["coordinates"] = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
            g["place_id"] = place["id"]
            tw["geo"] = g
        tw["edit_history_tweet_ids"] = [tid]
        tw["possibly_sensitive"] = False
        tw["reply_settings"] = "everyone"
        tw["source"] = a.source
        for m in ents.get("mentions", ()):
            users.append(self._idx_by_native[m["id"]])
        frag = orjson.Fragment(orjson.dumps(tw))
        entry = (tid, a.idx, t, text, lang, ents, tw["conversation_id"], frag,
                 (media,) if media else ())
        self._tw_emit(t, tid, frag, users, refs, entry[8], place)
        self.rings[TW].add(entry)
        self._count("twitter", kind)
        return entry

    def _tw_retweet(self, a: Account, t: int, orig) -> str:
        t = t - t % 1000
        tid = self._tweet_id(t)
        oa = self.accounts[orig[1]]
        prefix = f"RT @{oa.handle}: "
        full = prefix + orig[3]
        text = full if len(full) <= 140 else full[:139] + "…"
        shift, limit = len(prefix), (139 if len(full) > 140 else len(text))
        ents = {"mentions": [{"start": 3, "end": 4 + len(oa.handle), "username": oa.handle,
                              "id": oa.native}]}
        users = [a.idx, orig[1]]
        for key, lst in orig[5].items():
            for e in lst:
                if e["end"] + shift <= limit:
                    e2 = dict(e)
                    e2["start"] += shift
                    e2["end"] += shift
                    ents.setdefault(key, []).append(e2)
                    if key == "mentions":
                        users.append(self._idx_by_native[e["id"]])
        tw = {"id": tid, "text": text, "author_id": a.native, "created_at": _iso(t),
              "conversation_id": tid, "lang": orig[4],
              "public_metrics": {"retweet_count": self.rng.randint(1, 50), "reply_count": 0,
                                 "like_count": 0, "quote_count": 0, "impression_count": 0},
              "referenced_tweets": [{"type": "retweeted", "id": orig[0]}], "entities": ents,
              "edit_history_tweet_ids": [tid], "possibly_sensitive": False,
              "reply_settings": "everyone", "source": a.source}
        frag = orjson.Fragment(orjson.dumps(tw))
        self._tw_emit(t, tid, frag, users, [orig], orig[8], None)
        self._count("twitter", "retweet")
        return tid

    def _tw_emit(self, t, tid, frag, users, refs, media, place):
        day = t // DAY
        if day != self.tw_day:
            self._tw_flush(last=True)
            self.tw_day = day
            self.tw_next_token = None
            self.tw_page_no = 0
        self.pg_data.append(frag)
        self.pg_ids.append(tid)
        pu = self.pg_users
        for u in users:
            if u not in pu:
                pu[u] = None
        for r in refs:
            self.pg_tweets[r[0]] = r[7]
            if r[1] not in pu:
                pu[r[1]] = None
            for m in r[8]:
                self.pg_media[m["media_key"]] = m
        for m in media:
            self.pg_media[m["media_key"]] = m
        if place is not None:
            self.pg_places[place["id"]] = place
        if len(self.pg_data) == 100:
            self._tw_flush(last=False)

    def _tw_reset_page(self):
        self.pg_data, self.pg_ids = [], []
        self.pg_users, self.pg_tweets, self.pg_media, self.pg_places = {}, {}, {}, {}

    def _tw_flush(self, last: bool):
        """Hold the full page until we know whether another page follows (next_token)."""
        if self.pg_data:
            page = (self.pg_data, self.pg_ids, self.pg_users, self.pg_tweets, self.pg_media,
                    self.pg_places)
            self._tw_reset_page()
            if self.tw_pending is not None:
                self._tw_write(self.tw_pending, more=True)
            self.tw_pending = page
        if last and self.tw_pending is not None:
            self._tw_write(self.tw_pending, more=False)
            self.tw_pending = None

    def _tw_write(self, page, more: bool):
        data, ids, users, tweets, media, places = page
        U = self.tw_users
        includes = {"users": [U[u] for u in users]}
        if tweets:
            includes["tweets"] = list(tweets.values())
        if media:
            includes["media"] = list(media.values())
        if places:
            includes["places"] = list(places.values())
        meta = {"newest_id": ids[-1], "oldest_id": ids[0], "result_count": len(data)}
        token = None
        if more:
            token = _enc(self.rng.getrandbits(232), _B36, 45)
            meta["next_token"] = token
        day = self.tw_day
        url = (f"{TWARC_URL}&start_time={_date(day)}T00%3A00%3A00.000Z"
               f"&end_time={_date(day + 1)}T00%3A00%3A00.000Z")
        if self.tw_next_token:
            url += f"&next_token={self.tw_next_token}"
        self.tw_next_token = token
        retrieved = (day + 1) * DAY + 2 * HOUR + self.tw_page_no * 2300
        self.tw_page_no += 1
        rs = datetime(1970, 1, 1) + timedelta(milliseconds=retrieved)
        page_obj = {"data": data, "includes": includes, "meta": meta,
                    "__twarc": {"url": url, "version": TWARC_VERSION,
                                "retrieved_at": rs.strftime("%Y-%m-%dT%H:%M:%S+00:00")}}
        self.f_tw.write(day, orjson.dumps(page_obj, option=orjson.OPT_APPEND_NEWLINE))
        self.f_tw.cur["tweets"] = self.f_tw.cur.get("tweets", 0) + len(data)

    # ---------------------------------------------------------------- mastodon

    def _ma_render(self, segs):
        html, mentions, tags = [], [], []
        A = self.accounts
        for kind, val in segs:
            if kind == "t":
                html.append(_esc(val))
            elif kind == "m":
                acc = A[val]
                href = f"https://{acc.server}/@{acc.handle}"
                html.append(f'<span class="h-card" translate="no"><a href="{href}" '
                            f'class="u-url mention">@<span>{acc.handle}</span></a></span>')
                mentions.append({"id": acc.native, "username": acc.handle, "url": href,
                                 "acct": acc.handle if acc.server == COLLECTOR
                                 else f"{acc.handle}@{acc.server}"})
            elif kind == "h":
                href = f"https://{COLLECTOR}/tags/{val.lower()}"
                html.append(f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{val}'
                            '</span></a>')
                tags.append({"name": val.lower(), "url": href})
            else:
                scheme, rest = val.split("://", 1)
                pre = scheme + "://"
                if rest.startswith("www."):
                    pre, rest = pre + "www.", rest[4:]
                if len(rest) > 30:
                    vis = (f'<span class="ellipsis">{rest[:30]}</span>'
                           f'<span class="invisible">{rest[30:]}</span>')
                else:
                    vis = f'<span class="">{rest}</span><span class="invisible"></span>'
                html.append(f'<a href="{val}" target="_blank" rel="nofollow noopener" '
                            f'translate="no"><span class="invisible">{pre}</span>{vis}</a>')
        return "<p>" + " ".join(html) + "</p>", mentions, tags

    def _ma_post(self, a: Account, t: int, segs, lang: str, *, image=None, reply=None,
                 kind="orig"):
        sid = self._status_id(t)
        srv, user = a.server, a.handle
        origin_id = sid if srv == COLLECTOR else (sid ^ (0x5A5A + a.idx)) + (1 << 20)
        uri = f"https://{srv}/users/{user}/statuses/{origin_id}"
        if reply is not None:
            segs = [("m", reply[1])] + segs
        content, mentions, tags = self._ma_render(segs)
        atts = []
        if image is not None:
            mf = self.media_files[image]
            w, h = mf["width"], mf["height"]
            dims = {"width": w, "height": h, "size": f"{w}x{h}", "aspect": round(w / h, 4)}
            atts.append({"id": str(self._status_id(t - 30_000)), "type": "image", "url": mf["url"],
                         "preview_url": mf["url"], "remote_url": None, "preview_remote_url": None,
                         "text_url": None, "meta": {"original": dims, "small": dims},
                         "description": mf["alt"], "blurhash": None})
        card = None
        for k, v in segs:
            if k == "u" and self.rnd() < 0.6:
                card = {"url": v, "title": self._title(v),
                        "description": "", "language": lang, "type": "link", "author_name": "",
                        "author_url": "", "provider_name": v.split("/")[2], "provider_url": "",
                        "html": "", "width": 0, "height": 0, "image": None, "image_description": "",
                        "embed_url": "", "blurhash": None, "published_at": None, "authors": []}
        lv = self.rng.lognormvariate
        favs = int(a.followers * 0.01 * lv(0, 1.2))
        st = {"id": str(sid), "created_at": _iso(t),
              "in_reply_to_id": str(reply[0]) if reply is not None else None,
              "in_reply_to_account_id": (self.accounts[reply[1]].native if reply is not None
                                         else None),
              "sensitive": False, "spoiler_text": "",
              "visibility": "public" if self.rnd() < 0.9 else "unlisted", "language": lang,
              "uri": uri, "url": f"https://{srv}/@{user}/{origin_id}",
              "replies_count": int(favs * 0.1), "reblogs_count": int(favs * 0.3 * lv(0, 0.5)),
              "favourites_count": favs,
              "edited_at": (_iso(t + self.rng.randint(60_000, 3_600_000)) if self.rnd() < 0.03
                            else None),
              "content": content, "reblog": None,
              "application": {"name": "Web", "website": None} if srv == COLLECTOR else None,
              "account": self.ma_accounts[a.idx], "media_attachments": atts, "mentions": mentions,
              "tags": tags, "emojis": [], "card": card, "poll": None}
        line = orjson.dumps(st, option=orjson.OPT_APPEND_NEWLINE)
        self.f_ma.write(t // DAY, line, "statuses")
        entry = (sid, a.idx, t, uri, orjson.Fragment(line[:-1]))
        self.rings[MA].add(entry)
        self._count("mastodon", kind)
        return entry

    def _ma_reblog(self, a: Account, t: int, orig) -> str:
        sid = self._status_id(t)
        srv, user = a.server, a.handle
        uri = f"https://{srv}/users/{user}/statuses/{sid}/activity"
        st = {"id": str(sid), "created_at": _iso(t), "in_reply_to_id": None,
              "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
              "visibility": "public", "language": None, "uri": uri, "url": uri,
              "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
              "content": "", "reblog": orig[4], "application": None,
              "account": self.ma_accounts[a.idx], "media_attachments": [], "mentions": [],
              "tags": [], "emojis": [], "card": None, "poll": None}
        self.f_ma.write(t // DAY, orjson.dumps(st, option=orjson.OPT_APPEND_NEWLINE), "statuses")
        self._count("mastodon", "reblog")
        return uri

    # ---------------------------------------------------------------- bluesky

    def _bs_render(self, segs):
        text, facets, bpos = [], [], 0
        A = self.accounts
        for kind, val in segs:
            if text:
                text.append(" ")
                bpos += 1
            if kind == "t":
                s = val
                feat = None
            elif kind == "m":
                acc = A[val]
                s = "@" + acc.handle
                feat = {"$type": "app.bsky.richtext.facet#mention", "did": acc.native}
            elif kind == "h":
                s = "#" + val
                feat = {"$type": "app.bsky.richtext.facet#tag", "tag": val}
            else:
                s = val.split("://", 1)[1]
                if len(s) > 28:
                    s = s[:25] + "..."
                feat = {"$type": "app.bsky.richtext.facet#link", "uri": val}
            b = len(s.encode())
            if feat is not None:
                facets.append({"features": [feat],
                               "index": {"byteStart": bpos, "byteEnd": bpos + b}})
            text.append(s)
            bpos += b
        return "".join(text), facets

    def _bs_commit(self, a: Account, t: int, collection: str, rkey: str, record: dict,
                   operation: str = "create"):
        rb = orjson.dumps(record)
        cid = _cid(_CID_DAG, hashlib.sha256(rb).digest())
        time_us = t * 1000 + self.rng.randint(80_000, 1_900_000)
        line = (b'{"did":"' + a.native.encode() + b'","time_us":' + str(time_us).encode()
                + b',"kind":"commit","commit":{"rev":"' + _tid((time_us << 10) | 0x155).encode()
                + b'","operation":"' + operation.encode() + b'","collection":"'
                + collection.encode()
                + b'","rkey":"' + rkey.encode() + b'","record":' + rb + b',"cid":"' + cid.encode()
                + b'"}}\n')
        self.f_bs.write(t // DAY, line, collection)
        return cid

    def _bs_post(self, a: Account, t: int, segs, lang: str, *, image=None, reply=None, quote=None,
                 kind="orig"):
        rkey = self._rkey(t)
        uri = f"at://{a.native}/app.bsky.feed.post/{rkey}"
        text, facets = self._bs_render(segs)
        rec = {"$type": "app.bsky.feed.post", "createdAt": _iso(t), "langs": [lang], "text": text}
        if facets:
            rec["facets"] = facets
        if reply is not None:
            rec["reply"] = {"root": {"cid": reply[4], "uri": reply[3]},
                            "parent": {"cid": reply[2], "uri": reply[0]}}
        if image is not None:
            mf = self.media_files[image]
            rec["embed"] = {"$type": "app.bsky.embed.images", "images": [{
                "alt": mf["alt"] or "",
                "aspectRatio": {"height": mf["height"], "width": mf["width"]},
                "image": {"$type": "blob", "ref": {"$link": mf["bluesky_cid"]},
                          "mimeType": mf["mime"], "size": mf["bytes"]}}]}
        elif quote is not None:
            rec["embed"] = {"$type": "app.bsky.embed.record",
                            "record": {"cid": quote[2], "uri": quote[0]}}
        else:
            for k, v in segs:
                if k == "u" and self.rnd() < 0.5:
                    rec["embed"] = {"$type": "app.bsky.embed.external", "external": {
                        "uri": v, "title": self._title(v),
                        "description": ""}}
        cid = self._bs_commit(a, t, "app.bsky.feed.post", rkey, rec)
        root = (reply[3], reply[4]) if reply is not None else (uri, cid)
        entry = (uri, a.idx, cid, root[0], root[1])
        self.rings[BS].add(entry)
        self._count("bluesky", kind)
        self._bs_social(t)
        return entry

    def _bs_repost(self, a: Account, t: int, orig) -> str:
        rkey = self._rkey(t)
        rec = {"$type": "app.bsky.feed.repost", "createdAt": _iso(t),
               "subject": {"cid": orig[2], "uri": orig[0]}}
        self._bs_commit(a, t, "app.bsky.feed.repost", rkey, rec)
        self._count("bluesky", "repost")
        self._bs_social(t)
        return f"at://{a.native}/app.bsky.feed.repost/{rkey}"

    def _bs_social(self, t: int):
        """Likes and follows ride along with the posts (they are not counted as posts)."""
        rnd = self.rnd
        accs = self.bs_accounts
        if rnd() < 0.8:
            target = self.rings[BS].pick(rnd, self.followers)
            a = self.accounts[accs[int(rnd() * len(accs))]]
            tt = t + int(rnd() * 5000)
            self._bs_commit(a, tt, "app.bsky.feed.like", self._rkey(tt), {
                "$type": "app.bsky.feed.like", "createdAt": _iso(tt),
                "subject": {"cid": target[2], "uri": target[0]}})
        if rnd() < 0.06:
            a = self.accounts[accs[int(rnd() * len(accs))]]
            pop = self.popular[BS]
            b = self.accounts[pop[int(rnd() * len(pop))]]
            if a is not b:
                tt = t + int(rnd() * 5000)
                self._bs_commit(a, tt, "app.bsky.graph.follow", self._rkey(tt), {
                    "$type": "app.bsky.graph.follow", "createdAt": _iso(tt), "subject": b.native})

    def _bs_preamble(self):
        """Identity events (handles) and profile records for every Bluesky account, first."""
        t0 = self.start
        for n, i in enumerate(self.by_platform[BS]):
            a = self.accounts[i]
            t = t0 + n * 10
            ev = {"did": a.native, "time_us": t * 1000, "kind": "identity",
                  "identity": {"did": a.native, "handle": a.handle, "seq": 31_527_015_470 + 2 * n,
                               "time": _iso(t)}}
            self.f_bs.write(t // DAY, orjson.dumps(ev, option=orjson.OPT_APPEND_NEWLINE),
                            "identity")
            prof = {"$type": "app.bsky.actor.profile", "displayName": a.name,
                    "description": a.bio, "createdAt": _iso(a.created_ms)}
            if a.avatar is not None:
                mf = self.media_files[a.avatar]
                prof["avatar"] = {"$type": "blob", "ref": {"$link": mf["bluesky_cid"]},
                                  "mimeType": mf["mime"], "size": mf["bytes"]}
            self._bs_commit(a, t + 10, "app.bsky.actor.profile", "self", prof, operation="update")

    # ---------------------------------------------------------------- dispatch

    def _count(self, platform: str, kind: str):
        self.counts[platform] += 1
        k = self.kinds[platform]
        k[kind] = k.get(kind, 0) + 1
        self.written += 1

    def _post(self, a: Account, t: int, segs, lang: str, **kw):
        """Render on the account's platform; returns (post uid, ring entry)."""
        if a.platform == TW:
            e = self._tw_post(a, t, segs, lang, **kw)
            return "twitter:" + e[0], e
        if a.platform == MA:
            kw.pop("quote", None)
            kw.pop("geo", None)
            e = self._ma_post(a, t, segs, lang, **kw)
            return "mastodon:" + e[3], e
        kw.pop("geo", None)
        if a.platform == TG:  # a channel post, or a message in the group
            image = kw.get("image")
            chat = self.tg_chats[a.channel or "group"]
            photo = self._tg_photo(image, raw=True) if image is not None else None
            uid = self._tg_message(chat, t, a, self._tg_parts(segs), photo=photo,
                                   kind="post" if a.channel else "message")
            return uid, None
        if a.platform == RD:  # pragma: no cover - Reddit items are written by the _rd_ methods
            raise AssertionError("_post does not write Reddit items")
        e = self._bs_post(a, t, segs, lang, **kw)
        return "bluesky:" + e[0], e

    def _repost(self, a: Account, t: int, orig) -> str:
        if a.platform == TW:
            return "twitter:" + self._tw_retweet(a, t, orig)
        if a.platform == MA:
            return "mastodon:" + self._ma_reblog(a, t, orig)
        return "bluesky:" + self._bs_repost(a, t, orig)

    def _ordinary(self, ai: int, t: int):
        a = self.accounts[ai]
        if a.platform == TG:
            return self._tg_ordinary(a, t)
        if a.platform == RD:
            return self._rd_ordinary(a, t)
        rnd = self.rnd
        plat = a.platform
        ring = self.rings[plat]
        lang = a.lang if rnd() < 0.95 else "en"
        r = rnd()
        target = None
        if plat == TW:
            kind = ("orig" if r < 0.45 else "reply" if r < 0.65 else "repost" if r < 0.93
                    else "quote")
        elif plat == MA:
            kind = "orig" if r < 0.55 else "reply" if r < 0.8 else "repost"
        else:
            kind = "orig" if r < 0.5 else "reply" if r < 0.75 else "repost" if r < 0.93 else "quote"
        if kind != "orig":
            target = ring.pick(rnd, self.followers)
            if target is None or target[1] == ai and kind != "reply":
                kind = "orig"
        if kind == "repost":
            self._repost(a, t, target)
            return
        segs, image = self._compose(a, lang, kind)
        geo = None
        if plat == TW and kind == "orig" and a.city is not None and rnd() < 0.02:
            geo = self._home_geo(a)
        if kind == "orig":
            self._post(a, t, segs, lang, image=image, geo=geo)
        elif kind == "reply":
            self._post(a, t, segs, lang, reply=target, kind="reply")
        else:
            self._post(a, t, segs, lang, quote=target, kind="quote")

    # ---------------------------------------------------------------- places

    def _place(self, city) -> dict:
        p = self.places.get(city[0])
        if p is None:
            name, _region, cc, lat, lon = city[:5]
            p = self.places[name] = {
                "full_name": f"{name}, {COUNTRIES[cc]}", "place_type": "city", "name": name,
                "country_code": cc, "id": hashlib.sha1(name.encode()).hexdigest()[:16],
                "geo": {"type": "Feature", "bbox": [round(lon - 0.25, 6), round(lat - 0.15, 6),
                                                    round(lon + 0.25, 6), round(lat + 0.15, 6)],
                        "properties": {}},
                "country": COUNTRIES[cc]}
        return p

    def _home_geo(self, a: Account):
        c = a.city
        place = self._place(c)
        if self.rnd() < 0.5:
            return (None, None, place)
        return (c[3] + self.rng.uniform(-0.04, 0.04), c[4] + self.rng.uniform(-0.05, 0.05), place)

    # ---------------------------------------------------------------- planting

    def _plan(self):
        """Decide every planted item up front (small); bots are scheduled lazily."""
        rng = self.rng
        self.events: list = []  # (t, seq, handler, args)
        self._evseq = 0
        roles = {}
        for a in self.accounts:
            roles.setdefault(a.role, []).append(a.idx)
        self.roles = roles
        self.plan_n: dict = {}  # planned events per platform (TG, RD) or None (no post)
        self._plan_telegram()
        self._plan_reddit()
        self._plan_bots()
        self._plan_campaign()
        self._plan_personas()
        self._plan_sanne()
        if self.media_on:
            self._plan_spread()
        self._plan_geo()
        self.events.sort(key=lambda e: (e[0], e[1]))
        n_tg, n_rd = round(self.n_posts * SHARE[TG]), round(self.n_posts * SHARE[RD])
        planted = len(self.events) - sum(self.plan_n.values()) + self.bot_total
        self.n_ordinary = self.n_posts - n_tg - n_rd - planted
        self.n_tg_ord = n_tg - self.plan_n.get(TG, 0)
        self.n_rd_ord = n_rd - self.plan_n.get(RD, 0)
        if (self.n_ordinary < (self.n_posts - n_tg - n_rd) // 4 or self.n_tg_ord < n_tg // 10
                or self.n_rd_ord < n_rd // 10):
            raise SocmintError("too few posts for the planted phenomena; raise `posts`")
        del rng

    def _ev(self, t: int, handler, *args):
        self._evseq += 1
        self.events.append((t, self._evseq, handler, args))

    def _ev_on(self, plat, t: int, handler, *args):
        """An event writing one Telegram (TG) or Reddit (RD) post, or none (plat None)."""
        self._ev(t, handler, *args)
        self.plan_n[plat] = self.plan_n.get(plat, 0) + 1

    def _plan_telegram(self):
        """The exported chats, and their service messages (not posts: they come on top)."""
        rng = self.rng
        A = self.accounts
        self.tg_members = [i for i in self.by_platform[TG]
                           if A[i].channel is None and A[i].role in ("ordinary", "campaign")]
        self.tg_admin = next(i for i in self.tg_members if A[i].role == "ordinary")
        self.tg_chats: dict[str, _TgChat] = {}
        firsts = {"news": rng.randint(8000, 30000), "source": rng.randint(1200, 4000),
                  "relay": 1, "persona": rng.randint(200, 900)}
        for a in A:
            if a.platform == TG and a.channel is not None:
                self.tg_chats[a.channel] = _TgChat(self.out, a.handle, a.name, "public_channel",
                                                   int(a.native[7:]), firsts[a.channel],
                                                   self.TG_CAP)
        self.tg_chats["group"] = _TgChat(self.out, TG_GROUP[1], TG_GROUP[0], "public_supergroup",
                                         rng.randint(1_100_000_000, 2_450_000_000),
                                         rng.randint(50_000, 400_000), self.TG_CAP)
        self.tg_source_recent: list = []
        self.tg_photo_cache: dict[int, tuple] = {}
        self.tg_service = 0
        relay = A[self.channels["relay"]]
        self._ev_on(None, relay.created_ms, self._tg_create, relay.idx)
        for _ in range(max(2, self.days // 2 + len(self.tg_members) // 40)):
            self._ev_on(None, self._rhythm_time(0), self._tg_invite)
        for _ in range(max(1, self.days // 3)):
            self._ev_on(None, self._rhythm_time(0), self._tg_pin, "group")
        for _ in range(max(1, self.days // 4)):
            self._ev_on(None, self._rhythm_time(0), self._tg_pin, "news")

    def _plan_reddit(self):
        self.rd_subs = []
        for name, topic, lang, subscribers in SUBREDDITS:
            t5 = "t5_" + _b36(int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big")
                              % (36 ** 6 - 36 ** 4) + 36 ** 4)
            self.rd_subs.append((name, topic, lang, subscribers, t5))
        self.rd_by_name = {s[0]: i for i, s in enumerate(self.rd_subs)}
        keys = [t[0] for t in TOPICS]
        self.rd_by_topic = {keys.index(s[1]): i for i, s in enumerate(self.rd_subs) if s[1]}
        self.rd_by_lang = {s[2]: i for i, s in enumerate(self.rd_subs) if s[2] != "en"}
        self.rd_topic_of = {s[0]: keys.index(s[1]) for s in self.rd_subs if s[1]}
        self.rd_open: list = []  # submissions still taking comments
        self.rd_last = {"t3": 0, "t1": 0}
        self.rd_fates: dict[str, list] = {"removed": [], "deleted": [], "author_deleted": [],
                                          "deleted_later": []}
        self.rd_hidden: dict[str, str] = {}  # post uid -> its author, where the dump hides it
        self.rd_sub_tpl, self.rd_com_tpl = _reddit_templates()

    def _plan_bots(self):
        rng = self.rng
        bots = self.roles["bot"]
        period = self.end - self.start
        per_bot = 0.06 * self.n_posts / len(bots)
        # every 10 to 30 minutes around the clock; with a small budget a bot runs for a
        # stretch of the period (at least a day) instead of thinning out its rhythm
        interval = min(1_800_000, max(600_000, int(period / per_bot)))
        interval -= interval % 1000
        jitter = interval // 40
        self.bot_interval, self.bot_jitter = interval, jitter
        self.bot_next = {}
        self.bot_k = {}
        self.bot_phase = {}
        self.bot_windows = {}
        total = 0
        for b in bots:
            n = max(2, int(per_bot * rng.uniform(0.8, 1.2)))
            span = min(period - 2 * jitter - interval, n * interval)
            w0 = rng.randint(0, period - 2 * jitter - interval - span)
            phase = w0 + rng.randint(jitter, interval)
            self.bot_phase[b] = phase
            n = len(range(phase, min(period - jitter, phase + span), interval))
            total += n
            self.bot_k[b] = [0, n]
            self.bot_windows[b] = (phase, phase + (n - 1) * interval)
            self.bot_next[b] = self.start + phase + rng.randint(-jitter, jitter)
        self.bot_total = total
        self.bot_posts: list[str] = []
        self.bot_campaign_reposts = 0

    def _plan_campaign(self):
        rng = self.rng
        members = self.roles["campaign"]
        tw = [i for i in members if self.accounts[i].platform == TW]
        bs = [i for i in members if self.accounts[i].platform == BS]
        tg_users = [i for i in members if self.accounts[i].platform == TG
                    and self.accounts[i].channel is None]
        rd = [i for i in members if self.accounts[i].platform == RD]
        relay = self.channels["relay"]
        self.camp_windows = {"twitter": 60, "bluesky": 60, "telegram": 300, "reddit": 300}
        n_waves = max(6, min(4 * self.days, round(self.n_posts / 5000)))
        window = 60
        self.camp_window = window
        period = self.end - self.start - 4 * HOUR
        self.waves = []
        for k in range(n_waves):
            t0 = self.start + HOUR + int((k + rng.uniform(0.1, 0.9)) * period / n_waves)
            t0 -= t0 % 1000
            text_i = k % len(CAMPAIGN_TEXTS)
            tags = list(CAMPAIGN_TAGS) + (["GridLevy" + str(k + 1)] if rng.random() < 0.3 else [])
            url = (f"https://{CAMPAIGN_DOMAIN}/articles/{CAMPAIGN_SLUGS[text_i]}-{k + 1}"
                   f"?utm_source=share")
            wave = {"id": k, "at": t0, "text": CAMPAIGN_TEXTS[text_i], "url": url, "tags": tags,
                    "seeds": {}, "posts": []}
            self.waves.append(wave)
            lead = tw[k % len(tw)]
            self._ev(t0, self._camp_seed, wave, lead)
            bs_lead = bs[k % len(bs)]
            bs_delay = rng.randint(1, 5)
            self._ev(t0 + bs_delay * 1000, self._camp_seed, wave, bs_lead)
            for m in tw + bs:
                if m in (lead, bs_lead) or rng.random() < 0.15:
                    continue
                delay = min(window, int(rng.expovariate(1 / 12)) + 1)
                if self.accounts[m].platform == BS:
                    delay = max(delay, bs_delay + 1)
                r = rng.random()
                mode = "repost" if r < 0.45 else "copy" if r < 0.8 else "near_copy"
                self._ev(t0 + delay * 1000, self._camp_member, wave, m, mode)
            # Telegram: the source channel posts the wave, the relay channel forwards it within
            # seconds, members forward it into the group or paste it there within minutes
            tg_delay = rng.randint(2, 9)
            self._ev_on(TG, t0 + tg_delay * 1000, self._tg_camp_seed, wave)
            self._ev_on(TG, t0 + (tg_delay + rng.randint(3, 40)) * 1000, self._tg_camp_member,
                        wave, relay, "forward")
            for m in tg_users:
                if rng.random() < 0.15:
                    continue
                r = rng.random()
                mode = "forward" if r < 0.5 else "copy" if r < 0.8 else "near_copy"
                self._ev_on(TG, t0 + (tg_delay + rng.randint(45, 280)) * 1000,
                            self._tg_camp_member, wave, m, mode)
            # Reddit: one member submits the link, the others submit it to other subreddits or
            # paste it into the comments of the first, within minutes
            rd_lead = rd[k % len(rd)]
            rd_delay = rng.randint(5, 30)
            seed_sub = RD_CAMPAIGN_SUBS[k % len(RD_CAMPAIGN_SUBS)]
            acts = []
            for m in rd:
                if m == rd_lead or rng.random() < 0.15:
                    continue
                how = "comment" if rng.random() < 0.6 else "submission"
                mode = "copy" if rng.random() < 0.7 else "near_copy"
                sub = rng.choice([x for x in RD_CAMPAIGN_SUBS if x != seed_sub])
                acts.append((rd_delay + rng.randint(20, 270), m, mode, how, sub))
            self._ev_on(RD, t0 + rd_delay * 1000, self._rd_camp_seed, wave, rd_lead, seed_sub,
                        sum(1 for x in acts if x[3] == "comment"))
            for delay, m, mode, how, sub in acts:
                self._ev_on(RD, t0 + delay * 1000, self._rd_camp_member, wave, m, mode, how, sub)

    def _plan_personas(self):
        rng = self.rng
        n_each = max(8, min(400, round(self.n_posts * 0.0008)))
        self.persona_posts: dict[str, list[str]] = {}
        self.cross_posts: list[dict] = []
        for a in self.accounts:
            if a.role not in ("persona", "decoy") or a.persona == "sanne":
                continue
            self.persona_posts[a.uid] = []
            is_main = a.persona == "marta" and a.platform == TW
            for _ in range(n_each):
                t = self._rhythm_time(a.tz)
                r = rng.random()
                kind = "orig" if r < 0.75 else "reply" if r < 0.9 else "repost"
                xpost = None
                if is_main and kind == "orig" and rng.random() < 0.2:
                    xpost = {"twitter": None, "bluesky": None}
                    self.cross_posts.append(xpost)
                    t2 = t + rng.randint(60, 900) * 1000
                    if t2 < self.end:
                        bs_acc = next(x for x in self.accounts
                                      if x.persona == "marta" and x.platform == BS)
                        self._ev(t2, self._persona_post, bs_acc.idx, "xpost", xpost)
                    else:
                        xpost = None
                        self.cross_posts.pop()
                self._ev(t, self._persona_post, a.idx, kind, xpost)

    def _rhythm_time(self, tz: int) -> int:
        rng = self.rng
        while True:
            day = rng.randrange(self.days)
            h_local = bisect.bisect_right(self.rhythm_cum, rng.random() * self.rhythm_cum[-1])
            t = (self.start + day * DAY + ((h_local - tz) % 24) * HOUR
                 + rng.randrange(HOUR))
            if self.start <= t < self.end - 60_000:
                return t

    def _plan_spread(self):
        rng, npr = self.rng, self.np
        T0 = self.start + min(self.days - 1, 2) * DAY + 9 * HOUR + rng.randint(0, 50) * 60_000
        horizon = self.end - 60_000

        def at(lo_h, hi_h):
            return min(horizon, T0 + int(rng.uniform(lo_h, hi_h) * HOUR))

        taken = T0 - rng.randint(20, 90) * 60_000
        exif, make, model = self._camera_exif(taken, 0, None)
        img = _render_photo(npr)
        orig = self._save_media(img, "photos", "JPEG", quality=92, exif=exif,
                                alt="Evening light over the river")
        self.spread = {"original": orig, "derivatives": [], "T0": T0, "camera": [make, model],
                       "posts": {}, "reposts": []}
        plan = (  # name, parent, ops, platform, count, hours window
            ("recompress", None, [{"op": "jpeg", "quality": 50}], MA, 2, (2, 12)),
            ("crop", None,
             [{"op": "crop", "box": [24, 18, 296, 222]}, {"op": "jpeg", "quality": 75}],
             TW, 3, (1, 10)),
            ("resize", None, [{"op": "resize", "size": [160, 120]}, {"op": "jpeg", "quality": 70}],
             BS, 2, (3, 14)),
            ("crop_resize_recompress", 1,
             [{"op": "crop", "box": [20, 15, 252, 189]}, {"op": "resize", "size": [200, 150]},
              {"op": "jpeg", "quality": 40}], TW, 2, (12, 30)),
            ("screenshot", None, [{"op": "pad", "canvas": [360, 420], "offset": [20, 90],
                                   "background": [255, 255, 255]},
                                  {"op": "caption", "fill": [83, 100, 113], "boxes": [
                                      [20, y, 20 + rng.randint(150, 320), y + 10]
                                      for y in (20, 42, 360, 380)]},
                                  {"op": "png"}], MA, 2, (8, 26)),
            ("flip_recompress", 0, [{"op": "flip"}, {"op": "jpeg", "quality": 60}], TW, 2,
             (14, 34)),
            ("crop_resize_recompress_bluesky", 1,
             [{"op": "crop", "box": [20, 15, 252, 189]}, {"op": "resize", "size": [200, 150]},
              {"op": "jpeg", "quality": 40}], BS, 2, (12, 30)),
            # the news channel posts the cropped copy; Telegram re-encodes what it is sent
            ("telegram_recompress", 1, [{"op": "jpeg", "quality": 87}], TG, 1, (5, 20)),
        )
        orig_path = self.out / "media" / self.media_files[orig]["path"]
        images = {None: Image.open(orig_path).convert("RGB")}
        files = []
        for i, (name, parent, ops, plat, count, win) in enumerate(plan):
            base = images[parent]
            parent_file = orig if parent is None else files[parent]
            out = apply_transforms(base, ops)
            last = ops[-1]
            if name == "crop_resize_recompress_bluesky":
                mid = files[3]  # the same derivative file, carried on to another platform
            elif last["op"] == "png":
                mid = self._save_media(out, "screenshots", "PNG")
                out = Image.open(self.out / "media" / self.media_files[mid]["path"]).convert("RGB")
            else:
                mid = self._save_media(out, "photos", "JPEG", quality=last["quality"])
                out = Image.open(self.out / "media" / self.media_files[mid]["path"]).convert("RGB")
            images[i] = out
            files.append(mid)
            if mid not in self.spread["posts"]:
                self.spread["posts"][mid] = []
                self.spread["derivatives"].append({"file": mid, "parent": parent_file,
                                                   "transforms": ops, "name": name})
            if plat == TG:
                for _ in range(count):
                    self._ev_on(TG, at(*win), self._spread_post, mid, self.channels["news"])
                continue
            pool = [x for x in self.by_platform[plat] if self.accounts[x].role == "ordinary"]
            for _ in range(count):
                self._ev(at(*win), self._spread_post, mid, rng.choice(pool))
        origin = max((x for x in self.by_platform[TW] if self.accounts[x].role == "ordinary"),
                     key=lambda x: self.followers[x] if self.followers[x] < 60_000 else 0)
        self.spread["origin_account"] = origin
        self.spread["posts"][orig] = []
        self._ev(T0, self._spread_post, orig, origin)
        tw_pool = [x for x in self.by_platform[TW] if self.accounts[x].role == "ordinary"]
        for _ in range(8):
            self._ev(at(0.1, 6), self._spread_retweet, rng.choice(tw_pool))

    def _plan_geo(self):
        rng = self.rng
        day = min(self.days - 1, int(self.days * 0.6))
        t0 = self.start + day * DAY + 18 * HOUR + 30 * 60_000
        dur = 150 * 60_000
        if t0 + dur > self.end:
            t0 = self.end - dur - 60_000
        n = max(20, min(1500, round(self.n_posts * 0.003)))
        centre = (45.7290, 4.8330)
        radius = 1500.0
        lyon = next(c for c in CITIES if c[0] == "Lyon")
        self.geo = {"name": "Warehouse fire in Gerland, Lyon", "centre": centre, "radius": radius,
                    "start": t0, "end": t0 + dur, "place": lyon, "posts": [], "related": [],
                    "photos": [], "accounts": []}
        tw_pool = [x for x in self.by_platform[TW] if self.accounts[x].role == "ordinary"]
        # witnesses: people living in Lyon first, then French speakers in the same timezone
        local = [x for x in tw_pool if (self.accounts[x].city or ("",))[0] == "Lyon"]
        fr_pool = local + [x for x in tw_pool if self.accounts[x].lang == "fr"
                           and self.accounts[x].tz == 1 and x not in local]
        fr_pool = fr_pool or [x for x in tw_pool if self.accounts[x].tz == 1] or tw_pool
        n_tw = round(n * 0.85)
        witnesses = fr_pool[: max(8, n_tw // 2)]
        rng.shuffle(witnesses)
        n_photos = max(3, min(12, n_tw // 4)) if self.media_on else 0
        for i in range(n_tw):
            # arrival rate peaks early in the event and decays
            dt = min(dur - 1000, int(rng.gammavariate(1.6, dur / 6)))
            ang, rr = rng.uniform(0, 2 * math.pi), radius * 0.95 * math.sqrt(rng.random())
            lat = centre[0] + rr * math.cos(ang) / 111_320
            lon = centre[1] + rr * math.sin(ang) / (111_320 * math.cos(math.radians(centre[0])))
            photo = None
            if i < n_photos:
                taken = t0 + dt - rng.randint(20, 240) * 1000
                exif, make, model = self._camera_exif(taken, 1, (lat, lon))
                photo = self._save_media(_render_photo(self.np, fire=True), "photos", "JPEG",
                                         quality=rng.choice((85, 90)), exif=exif)
                self.geo["photos"].append({"file": photo, "lat": lat, "lon": lon, "taken": taken,
                                           "camera": [make, model]})
            self._ev(t0 + dt, self._geo_post, rng.choice(witnesses), lat, lon, photo)
        others = [x for x in self.accounts if x.role == "ordinary" and x.platform in (MA, BS)]
        for _ in range(n - n_tw):
            dt = min(dur - 1000, int(rng.gammavariate(1.6, dur / 6)))
            self._ev(t0 + dt, self._geo_post, rng.choice(others).idx, None, None, None)

    # ---------------------------------------------------------------- planted handlers

    def _camp_seed(self, t, wave, ai):
        a = self.accounts[ai]
        segs = [("t", wave["text"]), ("u", wave["url"])] + [("h", x) for x in wave["tags"]]
        uid, entry = self._post(a, t, segs, "en")
        wave["seeds"][a.platform] = (uid, entry, t)
        wave["posts"].append({"post": uid, "account": a.uid, "kind": "seed", "at": t})

    def _camp_member(self, t, wave, ai, mode):
        a = self.accounts[ai]
        seed = wave["seeds"].get(a.platform)
        if mode == "repost" and seed is not None:
            uid = self._repost(a, t, seed[1])
        else:
            text = wave["text"]
            if mode == "near_copy":
                text = self._trivial_change(text)
            else:
                mode = "copy"
            segs = [("t", text), ("u", wave["url"])] + [("h", x) for x in wave["tags"]]
            uid, _ = self._post(a, t, segs, "en")
        wave["posts"].append({"post": uid, "account": a.uid, "kind": mode,
                              "delay_seconds": (t - wave["at"]) / 1000, "at": t})

    def _trivial_change(self, text: str) -> str:
        r = self.rng.randrange(5)
        if r == 0:
            out = text.rstrip(":.") + "!!"
        elif r == 1:
            out = text[0].lower() + text[1:]
        elif r == 2:
            out = text + " " + self.rng.choice(("🔥", "👇", "😡", "‼️"))
        elif r == 3:
            out = text.replace(". ", ".  ", 1) if ". " in text else text.replace(" ", "  ", 1)
        else:
            out = text.replace(" the ", " THE ", 1)
        return out if out != text else text + " !!"

    def _persona_post(self, t, ai, kind, xpost):
        a = self.accounts[ai]
        rng = self.rng
        key = a.persona
        uid = None
        if kind == "repost":
            target = self.rings[a.platform].pick(self.rnd, self.followers)
            if target is not None and target[1] != ai:
                uid = self._repost(a, t, target)
            else:
                kind = "orig"
        if uid is None:
            if kind == "xpost":
                text, tags, image = xpost["text"]
            else:
                text = rng.choice(PERSONA_TEXTS[key]).format(
                    x=rng.choice(PERSONA_FILL[key]), e=rng.choice(("🚲", "☕", "📷", "")))
                text = text.strip().rstrip(",")
                tags = [rng.choice(PERSONA_TAGS[key])] if rng.random() < 0.35 else []
                image = None
                if self.media_on and key == "marta" and kind == "orig" and rng.random() < 0.25:
                    image = rng.choice(self.pool_photos) if self.pool_photos else None
            segs = [("t", text)] + [("h", x) for x in tags]
            reply = None
            if kind == "reply":
                reply = self.rings[a.platform].pick(self.rnd, self.followers)
                if reply is None:
                    kind = "orig"
            if reply is not None:
                uid, _ = self._post(a, t, segs, "en", reply=reply, kind="reply")
            else:
                uid, _ = self._post(a, t, segs, "en", image=image)
            if xpost is not None and kind != "xpost":
                xpost["text"] = (text, tags, image)
                xpost["twitter"] = uid
            elif kind == "xpost":
                xpost["bluesky"] = uid
        self.persona_posts[a.uid].append(uid)

    def _spread_post(self, t, mid, ai):
        a = self.accounts[ai]
        rng = self.rng
        if mid == self.spread["original"]:
            segs = [("t", SPREAD_CAPTION), ("h", "Photography")]
        else:
            segs = [("t", rng.choice(SPREAD_TEXTS))]
        uid, entry = self._post(a, t, segs, "en", image=mid)
        if mid == self.spread["original"]:
            self.spread["original_entry"] = entry
            self.spread["original_post"] = uid
            self.spread["original_at"] = t
        self.spread["posts"][mid].append(uid)

    def _spread_retweet(self, t, ai):
        orig = self.spread.get("original_entry")
        if orig is None:  # cannot happen: retweets are planned after T0
            raise AssertionError("spread retweet before the original")
        self.spread["reposts"].append(self._repost(self.accounts[ai], t, orig))

    def _geo_post(self, t, ai, lat, lon, photo):
        a = self.accounts[ai]
        rng = self.rng
        lang = "fr" if a.lang == "fr" or rng.random() < 0.5 else "en"
        segs = [("t", rng.choice(GEO_TEXTS[lang]))]
        segs += [("h", x) for x in GEO_TAGS[: rng.randint(1, 3)]]
        if a.platform == TW:
            uid, _ = self._post(a, t, segs, lang, image=photo,
                                geo=(lat, lon, self._place(self.geo["place"])))
            self.geo["posts"].append(uid)
        else:
            uid, _ = self._post(a, t, segs, lang)
            self.geo["related"].append(uid)
        if a.uid not in self.geo["accounts"]:
            self.geo["accounts"].append(a.uid)

    def _bot_post(self, t, bi):
        a = self.accounts[bi]
        rnd = self.rnd
        uid = None
        if rnd() < 0.65:
            target = None
            recent = self._recent_campaign_seed(a.platform, t)
            if recent is not None and rnd() < 0.3:
                target = recent
                self.bot_campaign_reposts += 1
            else:
                target = self.rings[a.platform].pick(rnd, self.followers)
            if target is not None and target[1] != bi:
                uid = self._repost(a, t, target)
        if uid is None:
            day = _date(t // DAY).replace("-", "/")
            url = f"https://{BOT_DOMAIN}/{day}/story-{self.rng.randint(1000, 99999)}"
            segs = [("t", "BREAKING: " + self.rng.choice(BOT_HEADLINES)), ("u", url)]
            segs += [("h", x) for x in self.rng.sample(BOT_TAGS, 2)]
            uid, _ = self._post(a, t, segs, "en")
        self.bot_posts.append(uid)

    def _recent_campaign_seed(self, plat, t):
        for w in reversed(self.waves):
            s = w["seeds"].get(plat)
            if s is not None and s[2] <= t:
                return s[1] if t - s[2] < 6 * HOUR else None
        return None

    # ---------------------------------------------------------------- telegram

    def _tg_mention(self, idx: int):
        acc = self.accounts[idx]
        if acc.handle:
            return ("mention", "@" + acc.handle, None)
        return ("mention_name", acc.name.split(" ")[0], int(acc.native[4:]))

    def _tg_parts(self, segs) -> list:
        """Post segments as Telegram text parts (type, text, extra)."""
        parts = []
        for kind, val in segs:
            if parts:
                parts.append(("plain", " ", None))
            if kind == "t":
                parts.append(("plain", val, None))
            elif kind == "m":
                parts.append(self._tg_mention(val))
            elif kind == "h":
                parts.append(("hashtag", "#" + val, None))
            else:
                parts.append(("link", val, None))
        return parts

    def _tg_photo(self, mid: int, raw: bool = False) -> tuple:
        """(bytes, width, height) of a photo as Telegram serves it: re-encoded as JPEG, no
        metadata; raw: the media file's own bytes (a file already made as Telegram would)."""
        mf = self.media_files[mid]
        if raw:
            return (self.out / "media" / mf["path"]).read_bytes(), mf["width"], mf["height"]
        got = self.tg_photo_cache.get(mid)
        if got is None:
            img = Image.open(self.out / "media" / mf["path"]).convert("RGB")
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=87)
            got = self.tg_photo_cache[mid] = (buf.getvalue(), img.width, img.height)
        return got

    def _tg_message(self, chat: _TgChat, t: int, a: Account, parts, *, kind: str, fwd=None,
                    reply_to=None, photo=None, author=None, edit=False) -> str:
        sub = chat.room()
        mid = chat.take_id(self.rnd() < 0.02)
        sec = t // 1000
        local = _local(sec, TG_EXPORT_TZ)
        m = {"id": mid, "type": "message", "date": local, "date_unixtime": str(sec)}
        if edit:
            es = sec + self.rng.randint(40, 1800)
            m["edited"] = _local(es, TG_EXPORT_TZ)
            m["edited_unixtime"] = str(es)
        m["from"] = a.name
        m["from_id"] = a.native
        if author:
            m["author"] = author
        if fwd is not None:
            m["forwarded_from"] = fwd.name
            m["forwarded_from_id"] = fwd.native
        if reply_to is not None:
            m["reply_to_message_id"] = reply_to
        if photo is not None:
            data, w, h = photo
            chat.photo_n += 1
            d = local
            name = (f"photos/photo_{chat.photo_n}@{d[8:10]}-{d[5:7]}-{d[:4]}_{d[11:13]}-"
                    f"{d[14:16]}-{d[17:19]}.jpg")
            path = self.out / "telegram" / sub / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            chat.cur["photos"] += 1
            m["photo"] = name
            m["photo_file_size"] = len(data)
            m["width"] = w
            m["height"] = h
        m["text"], m["text_entities"] = _tg_text(parts)
        chat.write(m)
        chat.recent.append((mid, a.idx, parts))
        if len(chat.recent) > 60:
            del chat.recent[:20]
        self._count("telegram", kind)
        return f"telegram:{chat.id}/{mid}"

    def _tg_service(self, chat: _TgChat, t: int, actor: Account, action: str, **extra):
        sec = t // 1000
        m = {"id": chat.take_id(False), "type": "service", "date": _local(sec, TG_EXPORT_TZ),
             "date_unixtime": str(sec), "actor": actor.name, "actor_id": actor.native,
             "action": action}
        m.update(extra)
        m["text"], m["text_entities"] = "", []
        chat.write(m)
        self.tg_service += 1

    def _tg_create(self, t, ai):
        a = self.accounts[ai]
        self._tg_service(self.tg_chats[a.channel], t, a, "create_channel", title=a.name)

    def _tg_invite(self, t):
        A = self.accounts
        names = [A[i].name for i in self.rng.sample(self.tg_members,
                                                   min(len(self.tg_members),
                                                       self.rng.randint(1, 3)))]
        self._tg_service(self.tg_chats["group"], t, A[self.tg_admin], "invite_members",
                         members=names)

    def _tg_pin(self, t, key):
        chat = self.tg_chats[key]
        if chat.recent:
            actor = self.tg_admin if key == "group" else self.channels[key]
            self._tg_service(chat, t, self.accounts[actor], "pin_message",
                             message_id=chat.recent[-1][0])

    def _tg_ordinary(self, a: Account, t: int):
        key = a.channel
        if key == "relay":
            relay = self.accounts[self.channels["relay"]]
            if t >= relay.created_ms + 60_000 and self.tg_source_recent:
                parts = self.tg_source_recent[-1 - int(self.rnd() * len(self.tg_source_recent))]
                self._tg_message(self.tg_chats["relay"], t, a, parts, kind="forward",
                                 fwd=self.accounts[self.channels["source"]])
                return
            key, a = "source", self.accounts[self.channels["source"]]
        if key == "news":
            self._tg_news(a, t)
        elif key == "source":
            self._tg_source(a, t)
        else:
            self._tg_group(a, t)

    def _tg_news(self, a: Account, t: int):
        rng, rnd = self.rng, self.rnd
        url = self._article()
        ti = self.article_topic[url]
        self._last_topic = ti
        nouns, caps = self.topic_nouns["en"]
        line = rng.choice(TG_NEWS_LINES).format(t=nouns[ti], T=caps[ti],
                                               c=rng.choice(CITIES)[0])
        parts = [("bold", self._title(url), None), ("plain", "\n\n" + line, None)]
        if rnd() < 0.5:
            parts += [("plain", " ", None), ("text_link", "Read more", url)]
        else:
            parts += [("plain", "\n", None), ("link", url, None)]
        if rnd() < 0.55:
            parts.append(("plain", "\n\n", None))
            for i, tag in enumerate(self._tags(rng.randint(1, 2))):
                parts += [("plain", " ", None)] if i else []
                parts.append(("hashtag", "#" + tag, None))
        photo = None
        if self.media_on and rnd() < 0.08:
            photo = self._tg_photo(self._pick_cum(self.pool, self.pool_w))
        self._tg_message(self.tg_chats["news"], t, a, parts, kind="post", photo=photo,
                         author=rng.choice(TG_EDITORS) if rnd() < 0.3 else None,
                         edit=rnd() < 0.05)

    def _tg_source(self, a: Account, t: int):
        rng = self.rng
        text = rng.choice(TG_SOURCE_TEXTS)
        url = (f"https://{CAMPAIGN_DOMAIN}/news/{_slug(text).replace('_', '-')[:40]}-"
               f"{rng.randint(100, 999)}")
        parts = [("plain", "⚡ " + text + " ", None), ("link", url, None),
                 ("plain", "\n\n", None), ("hashtag", "#" + rng.choice(CAMPAIGN_TAGS), None)]
        if TG_SOURCE_TEXTS.index(text) % 2 == 0:  # no random draw: the rest stays as it was
            parts += [("plain", "\n\n" + TG_SOURCE_APPEAL[0] + " ", None),
                      ("email", TG_SOURCE_APPEAL[1], None),
                      ("plain", f" or call {TG_SOURCE_APPEAL[2]} · BTC {TG_SOURCE_APPEAL[3]}",
                       None)]
        self._tg_message(self.tg_chats["source"], t, a, parts, kind="post")
        self._tg_source_keep(parts)

    def _tg_source_keep(self, parts):
        self.tg_source_recent.append(parts)
        if len(self.tg_source_recent) > 20:
            del self.tg_source_recent[0]

    def _tg_group(self, a: Account, t: int):
        rng, rnd = self.rng, self.rnd
        chat = self.tg_chats["group"]
        lang = a.lang if rnd() < 0.95 else "en"
        r = rnd()
        news = self.tg_chats["news"]
        if r < 0.36 and chat.recent:
            k = len(chat.recent)
            target = chat.recent[k - 1 - int(k * rnd() ** 2)]
            parts = [("plain", self._body(a, lang, "reply"), None)]
            if rnd() < 0.15 and target[1] != a.idx:
                parts = [self._tg_mention(target[1]), ("plain", " ", None)] + parts
            self._tg_message(chat, t, a, parts, kind="reply", reply_to=target[0])
            return
        if r < 0.42 and news.recent:
            parts = news.recent[-1 - int(rnd() * min(5, len(news.recent)))][2]
            self._tg_message(chat, t, a, parts, kind="forward",
                             fwd=self.accounts[self.channels["news"]])
            return
        segs = [("t", self._body(a, lang, "orig"))]
        if rnd() < 0.1:
            other = self.tg_members[int(rnd() * len(self.tg_members))]
            if other != a.idx:
                segs.insert(0 if rnd() < 0.5 else 1, ("m", other))
        if rnd() < 0.25:
            segs.extend(("h", x) for x in self._tags(rng.randint(1, 2)))
        if rnd() < 0.08:
            segs.append(("u", self._article()))
        self._tg_message(chat, t, a, self._tg_parts(segs), kind="message")

    def _tg_wave_parts(self, text: str, wave) -> list:
        parts = [("plain", text + " ", None), ("link", wave["url"], None), ("plain", "\n\n", None)]
        for i, tag in enumerate(wave["tags"]):
            parts += [("plain", " ", None)] if i else []
            parts.append(("hashtag", "#" + tag, None))
        return parts

    def _tg_camp_seed(self, t, wave):
        a = self.accounts[self.channels["source"]]
        parts = self._tg_wave_parts(wave["text"], wave)
        uid = self._tg_message(self.tg_chats["source"], t, a, parts, kind="post")
        self._tg_source_keep(parts)
        wave["seeds"][TG] = (uid, parts, t)
        wave["posts"].append({"post": uid, "account": a.uid, "kind": "seed", "at": t})

    def _tg_camp_member(self, t, wave, ai, mode):
        a = self.accounts[ai]
        chat = self.tg_chats["relay" if a.channel == "relay" else "group"]
        seed = wave["seeds"].get(TG)
        if mode == "forward" and seed is not None:
            uid = self._tg_message(chat, t, a, seed[1], kind="forward",
                                   fwd=self.accounts[self.channels["source"]])
        else:
            text = wave["text"]
            if mode == "near_copy":
                text = self._trivial_change(text)
            else:
                mode = "copy"
            uid = self._tg_message(chat, t, a, self._tg_wave_parts(text, wave), kind="message")
        wave["posts"].append({"post": uid, "account": a.uid, "kind": mode,
                              "delay_seconds": (t - wave["at"]) / 1000, "at": t})

    # ---------------------------------------------------------------- reddit

    def _rd_next(self, kind: str, t: int) -> str:
        base, per_day = RD_T3 if kind == "t3" else RD_T1
        n = base + (t // 1000 - RD_T0) * per_day // 86_400
        n = max(n, self.rd_last[kind] + 1 + int(self.rnd() * 40))
        self.rd_last[kind] = n
        return _b36(n)

    def _rd_times(self, rec: dict, t: int, fate: str | None):
        """created/created_utc (types mixed as in merged dumps), retrieval stamps and _meta."""
        rng = self.rng
        sec = t // 1000
        r = self.rnd()
        created = float(sec) if r < 0.6 else sec
        rec["created"] = created
        rec["created_utc"] = str(sec) if r >= 0.9 else created
        rec["retrieved_on"] = sec + rng.randint(8, 40)
        rec["updated_on"] = rec["retrieved_on"] + rng.randint(10, 30)
        second = sec + 36 * 3600 + rng.randint(-7200, 7200)
        if fate == "deleted_later":
            rec["_meta"] = {"removal_type": "deleted", "retrieved_2nd_on": second,
                            "was_deleted_later": True}
        elif self.rnd() < 0.02:
            rec["_meta"] = {"note": "no_2nd_retrieval"}
        else:
            rec["_meta"] = {"retrieved_2nd_on": second}

    def _rd_author(self, rec: dict, a: Account, hidden: bool):
        if hidden:  # the author deleted the item or their account: the dump does not say who
            rec["author"] = "[deleted]"
            for k in ("author_fullname", "author_flair_richtext", "author_flair_type",
                      "author_patreon_flair", "author_premium"):
                rec.pop(k, None)
            rec["author_flair_background_color"] = ""
            rec["author_flair_text_color"] = "dark"
        else:
            rec["author"] = a.handle
            rec["author_fullname"] = a.native

    def _rd_fate(self, deleted: float, removed: float, author_gone: float, later: float):
        r = self.rnd()
        if r < deleted:
            return "deleted"
        r -= deleted
        if r < removed:
            return "removed"
        r -= removed
        if r < author_gone:
            return "author_deleted"
        r -= author_gone
        return "deleted_later" if r < later else None

    def _rd_note_fate(self, uid: str, a: Account, fate, hidden: bool):
        if fate is not None:
            self.rd_fates[fate].append(uid)
        if hidden:
            self.rd_hidden[uid] = a.uid

    def _rd_submission(self, a: Account, t: int, sub: str, title: str, *, url: str | None = None,
                       selftext: str = "", quota: int = 0, extra_comments: int = 0,
                       flair: str | None = None, fate=None, score: int | None = None,
                       kind: str = "submission", topic: int | None = None):
        rng = self.rng
        name, _topic, _lang, subscribers, t5 = self.rd_subs[self.rd_by_name[sub]]
        sid = self._rd_next("t3", t)
        rec = self.rd_sub_tpl.copy()
        permalink = f"/r/{name}/comments/{sid}/{_slug(title)}/"
        hidden = fate in ("deleted", "author_deleted")
        self._rd_author(rec, a, hidden)
        if flair and not hidden:
            rec["author_flair_text"] = flair
        self._rd_times(rec, t, fate)
        if score is None:
            score = max(0, int(self.np.lognormal(0.9, 1.5)))
        rec.update(id=sid, name="t3_" + sid, title=_resc(title), subreddit=name,
                   subreddit_id=t5, subreddit_name_prefixed="r/" + name,
                   subreddit_subscribers=subscribers, permalink=permalink,
                   num_comments=quota + extra_comments, score=score, ups=score,
                   upvote_ratio=round(rng.uniform(0.55, 1.0), 2) if score else 0.5)
        if url is None:
            rec.update(is_self=True, domain="self." + name, selftext=_resc(selftext),
                       url="https://www.reddit.com" + permalink, thumbnail="self")
        else:
            host = url.split("/")[2]
            rec.update(is_self=False, domain=host[4:] if host.startswith("www.") else host,
                       selftext="", url=url, url_overridden_by_dest=url, post_hint="link",
                       thumbnail="default")
        if fate == "deleted":
            rec.update(selftext="[deleted]" if url is None else "", removed_by_category="deleted")
        elif fate == "removed":
            rec.update(selftext="[removed]" if url is None else "",
                       removed_by_category="moderator")
        if rng.random() < 0.03:
            rec["edited"] = float(t // 1000 + rng.randint(60, 7200))
        self.f_rs.write(t, json.dumps(rec, sort_keys=True).encode() + b"\n")
        uid = "reddit:t3_" + sid
        self._rd_note_fate(uid, a, fate, hidden)
        if topic is None:
            topic = self.rd_topic_of.get(name, self.rd_topic_of["EconomyTalk"])
        entry = [sid, name, a.idx, quota, [], permalink, t5, topic]
        if quota > 0:
            self.rd_open.append(entry)
            if len(self.rd_open) > self.RD_OPEN:
                del self.rd_open[0]
        self._count("reddit", kind)
        return uid, entry

    def _rd_comment(self, a: Account, t: int, entry, body: str, *, parent=None, fate=None,
                    score: int | None = None, flair: str | None = None) -> str:
        sid, name, op, _quota, comments, permalink, t5, _topic = entry
        cid = self._rd_next("t1", t)
        rec = self.rd_com_tpl.copy()
        hidden = fate in ("deleted", "removed", "author_deleted")
        self._rd_author(rec, a, hidden)
        if flair and not hidden:
            rec["author_flair_text"] = flair
        self._rd_times(rec, t, fate)
        if score is None:
            score = int(self.np.lognormal(0.5, 1.2)) - (1 if self.rnd() < 0.08 else 0)
        if fate in ("deleted", "removed"):
            body = "[deleted]" if fate == "deleted" else "[removed]"
            rec.update(collapsed=True, collapsed_reason_code="DELETED")
        rec.update(id=cid, name="t1_" + cid, body=_resc(body), link_id="t3_" + sid,
                   parent_id=("t1_" + parent) if parent else "t3_" + sid,
                   permalink=f"{permalink}{cid}/", subreddit=name, subreddit_id=t5,
                   subreddit_name_prefixed="r/" + name, is_submitter=a.idx == op and not hidden,
                   score=score, ups=score, controversiality=1 if score < 0 else 0)
        if self.rnd() < 0.03:
            rec["edited"] = float(t // 1000 + self.rng.randint(30, 3600))
        self.f_rc.write(t, json.dumps(rec, sort_keys=True).encode() + b"\n")
        uid = "reddit:t1_" + cid
        self._rd_note_fate(uid, a, fate, hidden)
        comments.append((cid, a.idx))
        if len(comments) > 40:
            del comments[:10]
        self._count("reddit", "comment")
        return uid

    def _rd_pick_sub(self, a: Account, lang: str) -> tuple[str, int]:
        """A subreddit for the account, and the topic it writes about there."""
        ti = a.topics[int(self.rnd() * len(a.topics))] if self.rnd() < 0.75 else \
            self._pick_cum(range(len(TOPICS)), self.topic_w)
        if lang != "en" and self.rnd() < 0.7:
            return self.rd_subs[self.rd_by_lang[lang]][0], ti
        return self.rd_subs[self.rd_by_topic[ti]][0], ti

    def _rd_open_entry(self):
        """A submission still taking comments, recent ones first; None when there is none."""
        op = self.rd_open
        while op:
            i = len(op) - 1 - int(len(op) * self.rnd() ** 3)
            if op[i][3] > 0:
                return op[i], i
            del op[i]
        return None

    def _rd_ordinary(self, a: Account, t: int):
        found = self._rd_open_entry() if self.rnd() >= 0.13 else None
        if found is None:
            self._rd_post(a, t)
        else:
            self._rd_reply(a, t, *found)

    def _rd_post(self, a: Account, t: int):
        rng, rnd = self.rng, self.rnd
        sub, ti = self._rd_pick_sub(a, a.lang if rnd() < 0.9 else "en")
        lang = self.rd_subs[self.rd_by_name[sub]][2]
        quota = int(self.np.lognormal(1.6, 1.1))
        fate = self._rd_fate(0.01, 0.01, 0.005, 0.02)
        if lang == "en" and rnd() < 0.4:  # a link to a news article, where its topic is
            url = self._article()
            ti = self.article_topic[url]
            title = rng.choice(RD_LINK_TITLES).format(h=self._title(url),
                                                      d=url.split("/")[2].removeprefix("www."))
            self._rd_submission(a, t, self.rd_subs[self.rd_by_topic[ti]][0], title, url=url,
                                quota=quota, fate=fate, topic=ti)
            return
        title = self._body(a, lang, "orig", ti)
        body = "" if rnd() < 0.25 else " ".join(self._body(a, lang, "orig", ti)
                                                for _ in range(rng.randint(1, 3)))
        self._rd_submission(a, t, sub, title, selftext=body, quota=quota, fate=fate, topic=ti)

    def _rd_reply(self, a: Account, t: int, entry, i: int, body: str | None = None,
                  flair: str | None = None, fate="random") -> str:
        rnd = self.rnd
        lang = self.rd_subs[self.rd_by_name[entry[1]]][2]
        comments = entry[4]
        parent = None
        if comments and rnd() < 0.45:
            parent = comments[len(comments) - 1 - int(len(comments) * rnd() ** 2)]
        if body is None:
            body = self._body(a, lang, "reply" if rnd() < 0.7 else "orig", entry[7])
            if parent is not None and rnd() < 0.06:
                body = f"u/{self.accounts[parent[1]].handle} {body}"
            if rnd() < 0.05:
                body += f"\n\n[source]({self._article()})"
        if fate == "random":
            fate = self._rd_fate(0.01, 0.02, 0.01, 0.015)
        uid = self._rd_comment(a, t, entry, body, parent=parent[0] if parent else None,
                               fate=fate, flair=flair)
        entry[3] -= 1
        if entry[3] <= 0:
            del self.rd_open[i]
        return uid

    def _rd_camp_seed(self, t, wave, ai, sub, n_comments):
        a = self.accounts[ai]
        uid, entry = self._rd_submission(a, t, sub, wave["text"], url=wave["url"],
                                         quota=self.rng.randint(0, 3),
                                         extra_comments=n_comments,
                                         score=self.rng.randint(1, 9))
        wave["seeds"][RD] = (uid, entry, t)
        wave["posts"].append({"post": uid, "account": a.uid, "kind": "seed", "at": t})

    def _rd_camp_member(self, t, wave, ai, mode, how, sub):
        a = self.accounts[ai]
        text = wave["text"] if mode == "copy" else self._trivial_change(wave["text"])
        seed = wave["seeds"].get(RD)
        if how == "comment" and seed is not None:
            uid = self._rd_comment(a, t, seed[1], f"{text} {wave['url']}",
                                   score=self.rng.randint(1, 6))
        else:  # moderators take some down: a removed link post keeps its title and url
            fate = "removed" if self.rnd() < 0.25 else None
            uid, _ = self._rd_submission(a, t, sub, text, url=wave["url"], fate=fate,
                                         score=self.rng.randint(0, 4))
        wave["posts"].append({"post": uid, "account": a.uid, "kind": mode,
                              "delay_seconds": (t - wave["at"]) / 1000, "at": t})

    # ---------------------------------------------------------------- one person, Reddit + Telegram

    def _plan_sanne(self):
        """Her channel posts (signed with her name) and her Reddit posts and comments, with
        some channel posts cross-posted to Reddit minutes later."""
        rng = self.rng
        n_each = max(8, min(400, round(self.n_posts * 0.0008)))
        accs = {a.platform: a for a in self.accounts if a.persona == "sanne"}
        rd, tg = accs[RD], accs[TG]
        self.persona_posts[rd.uid] = []
        self.persona_posts[tg.uid] = []
        self.sanne_cross: list[dict] = []
        for _ in range(n_each):
            t = self._rhythm_time(tg.tz)
            xpost = None
            t2 = t + rng.randint(300, 1800) * 1000
            if rng.random() < 0.3 and t2 < self.end:
                xpost = {"telegram": None, "reddit": None}
                self.sanne_cross.append(xpost)
                self._ev_on(RD, t2, self._sanne_reddit, rd.idx, xpost)
            self._ev_on(TG, t, self._sanne_channel, tg.idx, xpost)
        for _ in range(n_each):
            self._ev_on(RD, self._rhythm_time(rd.tz), self._sanne_reddit, rd.idx, None)

    def _sanne_text(self) -> str:
        rng = self.rng
        return rng.choice(PERSONA_TEXTS["sanne"]).format(x=rng.choice(PERSONA_FILL["sanne"]))

    def _sanne_channel(self, t, ai, xpost):
        a = self.accounts[ai]
        rng = self.rng
        text = self._sanne_text()
        parts = [("plain", text, None)]
        if rng.random() < 0.4:
            parts += [("plain", " ", None),
                      ("hashtag", "#" + rng.choice(PERSONA_TAGS["sanne"]), None)]
        if rng.random() < 0.15:
            parts.append(("plain", "\n\nDiscussing this on r/CityTransit too.", None))
        chat = self.tg_chats["persona"]
        uid = self._tg_message(chat, t, a, parts, kind="post", author=SANNE["name"],
                               edit=rng.random() < 0.04)
        if xpost is not None:
            xpost.update(telegram=uid, text=text, msg=chat.recent[-1][0])
        self.persona_posts[a.uid].append(uid)

    def _sanne_reddit(self, t, ai, xpost):
        a = self.accounts[ai]
        rng = self.rng
        flair = a.bio  # "Amsterdam | t.me/sannetransit", her flair where she posts
        if xpost is not None:
            body = (f"Cross-posted from my channel: https://t.me/{TG_SANNE}/{xpost['msg']}"
                    if xpost.get("msg") else "")
            uid, _ = self._rd_submission(a, t, "CityTransit", xpost.get("text") or
                                         self._sanne_text(), selftext=body,
                                         quota=int(self.np.lognormal(1.4, 0.8)), flair=flair,
                                         kind="submission")
            xpost["reddit"] = uid
        else:
            found = self._rd_open_entry() if rng.random() < 0.65 else None
            if found is not None:
                text = rng.choice(REPLIES["en"]).format(t=rng.choice(("trams", "bike lanes",
                                                                      "night trains")))
                fill = rng.choice(PERSONA_FILL["sanne"])
                uid = self._rd_reply(a, t, *found, body=f"{text} {fill}", flair=flair, fate=None)
            else:
                uid, _ = self._rd_submission(a, t, rng.choice(("CityTransit", "UrbanCycling")),
                                             self._sanne_text(), selftext="",
                                             quota=int(self.np.lognormal(1.4, 0.8)),
                                             flair=flair)
        self.persona_posts[a.uid].append(uid)

    # ---------------------------------------------------------------- the stream

    def _pool(self, members: list[int], budget: int, day_mult) -> tuple:
        """Spread `budget` posts over the hours and the members' time zones, by their rhythm."""
        A = self.accounts
        groups: dict[int, list[int]] = {}
        for i in members:
            groups.setdefault(A[i].tz, []).append(i)
        tzs = sorted(groups)
        g_idx = [np.array(groups[z], dtype=np.int64) for z in tzs]
        g_cum = [np.cumsum([A[i].weight for i in groups[z]]) for z in tzs]
        n_slots = self.days * 24
        p = np.empty((n_slots, len(tzs)))
        start_hour = (self.start // HOUR) % 24
        start_wday = (self.start // DAY + 3) % 7  # 0 = Monday
        for s in range(n_slots):
            for gi, z in enumerate(tzs):
                local = start_hour + s + z
                lh = local % 24
                wday = (start_wday + local // 24) % 7
                w = RHYTHM[lh] * day_mult[s // 24] * g_cum[gi][-1]
                if wday >= 5:
                    w *= 1.3 if 9 <= lh <= 13 else 1.05
                p[s, gi] = w
        p /= p.sum()
        counts = self.np.multinomial(budget, p.ravel()).reshape(p.shape)
        return g_idx, g_cum, counts

    def _stream(self):
        npr = self.np
        A = self.accounts
        n_slots = self.days * 24
        day_mult = npr.uniform(0.85, 1.2, self.days)
        active = [a for a in A if a.role in ("ordinary", "campaign")]
        pools = [self._pool([a.idx for a in active if a.platform in (TW, MA, BS)],
                            self.n_ordinary, day_mult),
                 self._pool([a.idx for a in active if a.platform == TG], self.n_tg_ord, day_mult),
                 self._pool([a.idx for a in active if a.platform == RD], self.n_rd_ord, day_mult)]
        events = self.events
        ev_i = 0
        bots = self.roles["bot"]
        handlers = (self._ordinary, self._bot_post)
        for s in range(n_slots):
            s0 = self.start + s * HOUR
            s1 = s0 + HOUR
            batch = []
            for g_idx, g_cum, counts in pools:
                for gi in range(len(g_idx)):
                    c = int(counts[s, gi])
                    if not c:
                        continue
                    cum = g_cum[gi]
                    who = g_idx[gi][np.searchsorted(cum, npr.random(c) * cum[-1], side="right")]
                    when = npr.integers(s0, s1, c)
                    batch.extend(zip(when.tolist(), [0] * c, who.tolist(), strict=True))
            for b in bots:
                k = self.bot_k[b]
                while k[0] < k[1] and self.bot_next[b] < s1:
                    batch.append((self.bot_next[b], 1, b))
                    k[0] += 1
                    base = self.start + self.bot_phase[b] + k[0] * self.bot_interval
                    self.bot_next[b] = base + self.rng.randint(-self.bot_jitter, self.bot_jitter)
            while ev_i < len(events) and events[ev_i][0] < s1:
                batch.append((events[ev_i][0], 2, ev_i))
                ev_i += 1
            batch.sort()
            for t, kind, arg in batch:
                if kind == 2:
                    e = events[arg]
                    e[2](t, *e[3])
                elif kind == 0:
                    handlers[0](arg, t)
                else:
                    handlers[1](t, arg)
            if self.progress is not None:
                self.progress(self.written)

    # ---------------------------------------------------------------- run

    def run(self) -> dict:
        out = self.out
        self.rhythm_cum = _cum(RHYTHM)
        self._build_articles()
        self.places: dict[str, dict] = {}
        self._build_accounts()
        self._idx_by_native = {a.native: a.idx for a in self.accounts if a.platform == TW}
        if self.media_on:
            self._build_media()
        else:
            self.pool, self.pool_photos = [], []
        self._plan()
        self.tw_users = [self._twitter_user(a) if a.platform == TW else None for a in self.accounts]
        self.ma_accounts = [self._mastodon_account(a) if a.platform == MA else None
                            for a in self.accounts]
        self.f_tw = _DayFiles(out, "twitter", "tweets", "twitter.v2_page (twarc2 JSONL)")
        self.f_ma = _DayFiles(out, "mastodon", "statuses", "mastodon.status (JSONL)")
        self.f_bs = _DayFiles(out, "bluesky", "jetstream", "bluesky.jetstream_v1 (JSONL)")
        self.f_rs = _MonthFiles(out, "RS", "reddit.pushshift_submission (NDJSON)", "submissions")
        self.f_rc = _MonthFiles(out, "RC", "reddit.pushshift_comment (NDJSON)", "comments")
        self.tw_day = None
        self.tw_pending = None
        self.tw_next_token = None
        self.tw_page_no = 0
        self._tw_reset_page()
        try:
            self._bs_preamble()
            self._stream()
            self._tw_flush(last=True)
        finally:
            for f in (self.f_tw, self.f_ma, self.f_bs, self.f_rs, self.f_rc,
                      *self.tg_chats.values()):
                f.close()
        if self.written != self.n_posts:  # pragma: no cover - a bug, not an input problem
            raise AssertionError(f"wrote {self.written} posts, expected {self.n_posts}")
        if self.media_on:
            (out / "media" / "index.json").write_bytes(orjson.dumps(
                {"description": "Every media file: path (relative to this folder), url as the "
                                "posts carry it, sha256, the Bluesky blob CID (raw, sha256) "
                                "that Bluesky records use to point at it, MIME type, size.",
                 "files": [{k: v for k, v in m.items() if k != "alt"} for m in self.media_files]},
                option=orjson.OPT_INDENT_2))
        truth = self._truth()
        (out / "ground_truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
        manifest = self._manifest()
        (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return manifest

    def _manifest(self) -> dict:
        files = {}
        for f in (self.f_tw, self.f_ma, self.f_bs, *self.tg_chats.values(), self.f_rs, self.f_rc):
            files.update(f.files)
        media = {}
        if self.media_on:
            for m in self.media_files:
                k = media.setdefault(m["kind"], {"files": 0, "bytes": 0})
                k["files"] += 1
                k["bytes"] += m["bytes"]
        return {
            "generator": "socmint.scenario", "version": GENERATOR_VERSION,
            "arguments": {"accounts": self.n_accounts, "posts": self.n_posts, "seed": self.seed,
                          "start": self.start_dt.isoformat().replace("+00:00", "Z"),
                          "days": self.days, "media": self.media_on},
            "period": {"start": _iso(self.start), "end": _iso(self.end)},
            "totals": {"posts": self.written, "per_platform": dict(self.counts),
                       "per_kind": self.kinds,
                       "accounts": {p: len(self.by_platform[i]) for i, p in enumerate(PLATFORMS)},
                       "telegram_service_messages": self.tg_service},
            "telegram": {"exporter_utc_offset_hours": TG_EXPORT_TZ,
                         "max_messages_per_file": self.TG_CAP},
            "files": files,
            "media": {"index": "media/index.json" if self.media_on else None, "kinds": media},
            "ground_truth": "ground_truth.json",
        }

    def _mf(self, mid: int) -> dict:
        m = self.media_files[mid]
        return {"file": "media/" + m["path"], "sha256": m["sha256"], "url": m["url"]}

    def _truth_account(self, a: Account) -> dict:
        out = {"platform": PLATFORMS[a.platform], "handle": a.handle, "role": a.role,
               "timezone_offset_hours": a.tz, "language": a.lang}
        if a.platform == TG:
            out["kind"] = "channel" if a.channel else "user"
            out["display_name"] = a.name
        elif a.platform == RD:
            out["native_id"] = a.native
        return out

    def _truth(self) -> dict:
        A = self.accounts
        uid = lambda i: A[i].uid  # noqa: E731
        bots = self.roles["bot"]
        camp = self.roles["campaign"]
        waves = []
        camp_posts = []
        for w in self.waves:
            posts = [{"post": p["post"], "account": p["account"], "kind": p["kind"],
                      "delay_seconds": p.get("delay_seconds", (p["at"] - w["at"]) / 1000)}
                     for p in w["posts"]]
            camp_posts.extend(p["post"] for p in posts)
            waves.append({"id": w["id"], "at": _iso(w["at"]), "text": w["text"], "url": w["url"],
                          "hashtags": w["tags"],
                          "seed_posts": [w["seeds"][p][0] for p in (TW, BS, TG, RD)
                                         if p in w["seeds"]],
                          "posts": posts})
        persons = []
        for p in PERSONAS:
            accs = [a for a in A if a.persona == p["key"]]
            cross = []
            if p["key"] == "marta":
                cross = [{"twitter": x["twitter"], "bluesky": x["bluesky"]}
                         for x in self.cross_posts]
            elif p["key"] == "sanne":
                cross = [{"telegram": x["telegram"], "reddit": x["reddit"]}
                         for x in self.sanne_cross]
            persons.append({
                "person": p["name"], "accounts": [a.uid for a in accs],
                "handles": [a.handle for a in accs], "display_names": [a.name for a in accs],
                "bios": [a.bio for a in accs],
                "avatar": (self._mf(accs[0].avatar) if self.media_on and accs[0].avatar is not None
                           else None),
                "timezone_offset_hours": p["tz"],
                "posts": {a.uid: self.persona_posts[a.uid] for a in accs},
                "cross_posts": cross})
        persons[-1]["note"] = (
            "no avatar or bio in a Reddit dump or a Telegram export: her Reddit flair (bios[0]) "
            "names the channel, her channel posts carry her name as signature (bios[1]) and "
            "mention r/CityTransit, and her cross-posts link back to the channel message")
        decoy = next(a for a in A if a.role == "decoy")
        marta = [a.uid for a in A if a.persona == "marta"]
        truth = {
            "description": TRUTH_DESCRIPTION,
            "generator": {"module": "socmint.scenario", "version": GENERATOR_VERSION,
                          "seed": self.seed},
            "period": {"start": _iso(self.start), "end": _iso(self.end)},
            "accounts": {a.uid: self._truth_account(a) for a in A},
            "bots": {
                "accounts": [uid(b) for b in bots],
                "posts": self.bot_posts,
                "parameters": {
                    "interval_seconds": self.bot_interval / 1000,
                    "jitter_seconds": self.bot_jitter / 1000,
                    "repost_share": 0.65, "link_domain": BOT_DOMAIN, "source": BOT_SOURCE,
                    "handle_pattern": "first name + 8 digits",
                    "active": {uid(b): {"first": _iso(self.start + self.bot_windows[b][0]),
                                        "last": _iso(self.start + self.bot_windows[b][1])}
                               for b in bots},
                    "reposts_of_campaign_seeds": self.bot_campaign_reposts},
            },
            "campaign": {
                "accounts": [uid(c) for c in camp],
                "posts": camp_posts,
                "parameters": {"window_seconds": self.camp_window,
                               "window_seconds_by_platform": self.camp_windows,
                               "hashtags": list(CAMPAIGN_TAGS),
                               "link_domain": CAMPAIGN_DOMAIN, "waves": len(self.waves),
                               "telegram_source_channel": uid(self.channels["source"]),
                               "telegram_relay_channel": uid(self.channels["relay"]),
                               "subreddits": list(RD_CAMPAIGN_SUBS)},
                "waves": waves,
            },
            "identity": {
                "persons": persons,
                "decoys": [{"accounts": [decoy.uid], "resembles": marta,
                            "note": "similar name, different person: other avatar, city, "
                                    "timezone, topics and style; must not be linked"}],
            },
            "geo_event": {
                "name": self.geo["name"], "place": self.geo["place"][0],
                "place_id": self._place(self.geo["place"])["id"],
                "centre": {"lat": self.geo["centre"][0], "lon": self.geo["centre"][1]},
                "radius_m": self.geo["radius"], "start": _iso(self.geo["start"]),
                "end": _iso(self.geo["end"]), "hashtags": list(GEO_TAGS),
                "posts": self.geo["posts"], "related_posts": self.geo["related"],
                "accounts": self.geo["accounts"],
                "photos": [dict(self._mf(p["file"]), lat=p["lat"], lon=p["lon"],
                                taken_at=_iso(p["taken"]), camera=p["camera"])
                           for p in self.geo["photos"]],
            },
        }
        if self.media_on:
            sp = self.spread
            o = sp["original"]
            all_posts = [sp["original_post"]] + sp["reposts"]
            derivs = []
            for d in sp["derivatives"]:
                derivs.append(dict(self._mf(d["file"]), name=d["name"],
                                   parent=self._mf(d["parent"])["file"], transforms=d["transforms"],
                                   posts=sp["posts"][d["file"]]))
                all_posts += sp["posts"][d["file"]]
            truth["image_spread"] = {
                "original": dict(self._mf(o), post=sp["original_post"],
                                 account=uid(sp["origin_account"]), at=_iso(sp["original_at"]),
                                 camera=sp["camera"]),
                "reposts": sp["reposts"],
                "derivatives": derivs,
                "posts": all_posts,
            }
        else:
            truth["image_spread"] = None
        roles = {"news": "news channel", "source": "the campaign's source channel",
                 "relay": "campaign relay channel, created in the period, forwards the source",
                 "persona": "Sanne de Vries's channel (identity.persons)",
                 "group": "public group: members chat, reply, mention, forward"}
        truth["telegram"] = {
            "exporter_utc_offset_hours": TG_EXPORT_TZ,
            "chats": [{"chat_id": c.id, "uid": f"telegram:channel{c.id}", "name": c.name,
                       "type": c.type, "role": roles[key],
                       "owner": uid(self.channels[key]) if key in self.channels else (
                           next(a.uid for a in A if a.channel == "persona")
                           if key == "persona" else None),
                       "files": list(c.files)}
                      for key, c in self.tg_chats.items()],
            "group_admin": uid(self.tg_admin),
        }
        truth["reddit"] = {
            "subreddits": {name: t5 for name, _t, _l, _s, t5 in self.rd_subs},
            "removed": self.rd_fates["removed"], "deleted": self.rd_fates["deleted"],
            "author_deleted": self.rd_fates["author_deleted"],
            "deleted_later": self.rd_fates["deleted_later"],
            "hidden_authors": self.rd_hidden,
        }
        return truth


TRUTH_DESCRIPTION = {
    "about": "What socmint.scenario planted in the data beside this file. Detectors are scored "
             "against it; nothing here is in the raw data. Account uids: twitter:<id>, "
             "mastodon:<lower username>@<server>, bluesky:<did>, telegram:user<id> or "
             "telegram:channel<id> (as from_id writes it), reddit:u/<lower username>. Post "
             "uids: twitter:<tweet id>, mastodon:<status uri>, bluesky:<at:// uri> (reposts: "
             "their own repost record uri), telegram:<chat id>/<message id> (chat id: the "
             "export's bare `id`), reddit:t3_<id> (submissions) and reddit:t1_<id> (comments). "
             "Times are UTC ISO 8601. Files are relative to the scenario folder.",
    "accounts": "every account: platform, handle, role (ordinary, bot, campaign, persona, "
                "decoy), fixed UTC offset of its daily rhythm (no daylight saving), main "
                "language; Telegram: kind (channel or user; a user's handle is empty when they "
                "have no username) and display name; Reddit: native_id (author_fullname)",
    "bots": "a bot network posting around the clock every interval_seconds +- jitter_seconds "
            "while active (active: each bot's first and last scheduled slot; the k-th post is "
            "at first + k * interval +- jitter); accounts, all their posts, parameters. "
            "Mostly reposts (some of the campaign seeds) and links to link_domain; "
            "handles are a first name and 8 digits, recent creation, few followers, many "
            "followed, default or shared stock avatars, a scheduler app as tweet source",
    "campaign": "a coordinated campaign: in each wave a seed post on Twitter, Bluesky, "
                "Telegram (the source channel) and Reddit (a link post in one of `subreddits`), "
                "then members repost it (kind repost), forward the source channel's message "
                "(kind forward: the relay channel within seconds, members into the group), "
                "paste the same text (copy) or a trivially changed text (near_copy) with the "
                "same URL and hashtag sequence (no hashtags on Reddit: a link post with the text "
                "as title, or a comment under the seed), all within "
                "window_seconds_by_platform[platform] of the wave (delay_seconds per post); "
                "window_seconds is the Twitter/Bluesky window. The relay channel was created in "
                "the period, just before the first wave",
    "identity": "persons: one person's accounts on two platforms (related display names, the "
                "same avatar file, bios naming each other, shared style and rhythm, cross_posts: "
                "the same text on both within minutes); the third has a Reddit account and a "
                "Telegram channel, formats with no avatar or bio (see its note). decoys: a "
                "look-alike that is someone else",
    "image_spread": "a photo posted first by one account, retweeted (reposts), then re-uploaded "
                    "as derivatives (crop, resize, recompress, flip, screenshot padding; "
                    "transforms in order, apply_transforms() in socmint.scenario re-applies the "
                    "pixel ops to the parent) across platforms; posts carrying each file; null "
                    "when media=False",
    "geo_event": "a burst of geotagged tweets within radius_m of centre between start and end "
                 "(posts, with Twitter coordinates and place), related_posts on platforms "
                 "without geo, accounts involved, photos with GPS EXIF taken at the event",
    "telegram": "the exported chats (one Telegram Desktop single-chat export each; a chat past "
                "the per-file cap goes on in <folder>-partN/): id, the chat's own account uid "
                "(channels and supergroups are channel peers), name, type, role, owning "
                "channel account, files; `date` fields are the exporting computer's local time "
                "at exporter_utc_offset_hours (date_unixtime is UTC); group_admin invites "
                "members and pins",
    "reddit": "subreddit ids; the items the dump shows as removed by moderators (removed: "
              "\"[removed]\" text or removed_by_category), deleted by their author (deleted: "
              "author and text \"[deleted]\"), whose author deleted the account "
              "(author_deleted: author \"[deleted]\", text kept) or deleted after the archive "
              "read them (deleted_later: _meta.was_deleted_later, all kept); hidden_authors: "
              "who wrote the items whose author the dump hides",
}
