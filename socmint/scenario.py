"""A synthetic multi-platform scenario with planted ground truth.

`generate(out_dir, ...)` writes a seeded, deterministic data set in the platforms' real raw
formats, streamed (memory stays flat however many posts are asked for):

  twitter/tweets-YYYY-MM-DD.jsonl      Twitter API v2 search pages as twarc2 writes them
  mastodon/statuses-YYYY-MM-DD.jsonl   Mastodon API Status entities, one per line
  bluesky/jetstream-YYYY-MM-DD.jsonl   Bluesky Jetstream v1 events (identity, profile, posts,
                                       reposts, likes, follows)
  media/                               the image files the posts and profiles point at, and
                                       media/index.json (path, sha256, Bluesky blob CID, size)
  ground_truth.json                    what was planted: bots, a coordinated campaign, people
                                       with accounts on two platforms, an image that spreads and
                                       mutates, a geotagged event burst; described inside
  manifest.json                        arguments and the counts of every file

Every invented host is a reserved example domain (.example, example.org, example.com). The same
arguments give byte-identical output; nothing depends on the wall clock.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import orjson
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from socmint.errors import SocmintError

GENERATOR_VERSION = 1
DEFAULT_START = datetime(2026, 3, 2, tzinfo=timezone.utc)

TW, MA, BS = 0, 1, 2
PLATFORMS = ("twitter", "mastodon", "bluesky")
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
)
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
    "marta_decoy": ("Tomato seedlings are up! So excited!", "Made pierogi with my mum today!",
                    "Recipe: roasted squash soup, perfect for this weather!",
                    "Garden planning for spring has begun!", "Sourdough attempt number 5!",
                    "Farmers market haul this morning!"),
}
PERSONA_FILL = {"marta": ("worth it", "no regrets", "love this city", "still learning"),
                "jonas": ("details inside", "thread below", "more soon", "long read"),
                "marta_decoy": ("",)}
PERSONA_TAGS = {"marta": ("Cycling", "FilmPhotography", "Zagreb"),
                "jonas": ("rustlang", "Privacy", "OpenSource"), "marta_decoy": ("Cooking",)}

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
                 "persona")

    def __init__(self, idx: int, platform: int, role: str):
        self.idx, self.platform, self.role = idx, platform, role
        self.server = ""
        self.url = ""
        self.verified = False
        self.avatar = None  # index into the media catalogue, or None for the default avatar
        self.frag = None
        self.persona = None
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

    `posts` counts every tweet (retweets included), every Mastodon status (reblogs included)
    and every Bluesky post or repost record; likes, follows and profile/identity events come on
    top. `media_url_base` is the prefix of the URLs pointing at media files (default: the
    absolute file:// URI of out_dir/media/). `progress(n)` is called with the posts written.
    """
    return _Scenario(Path(out_dir), accounts=accounts, posts=posts, seed=seed, start=start,
                     days=days, media=media, progress=progress,
                     media_url_base=media_url_base).run()


class _Scenario:
    RING = 2000

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
        self.by_platform: dict[int, list[int]] = {TW: [], MA: [], BS: []}
        self.media_files: list[dict] = []
        self.tw_seq = 0
        self.ma_seq = 0
        self.bs_seq = 0
        self.written = 0
        self.counts = {"twitter": 0, "mastodon": 0, "bluesky": 0}
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
        n_camp = max(8, round(n * 0.005))
        n_pers = sum(len(p["accounts"]) for p in PERSONAS) + 1
        n_ord = n - n_bots - n_camp - n_pers
        plats = [TW] * round(n_ord * 0.5) + [MA] * round(n_ord * 0.3)
        plats += [BS] * (n_ord - len(plats))
        rng.shuffle(plats)
        specs = [(p, "ordinary") for p in plats]
        n_bot_bs = max(1, round(n_bots * 0.25))
        specs += [(BS if i < n_bot_bs else TW, "bot") for i in range(n_bots)]
        n_camp_bs = max(2, round(n_camp * 0.2))
        specs += [(BS if i < n_camp_bs else TW, "campaign") for i in range(n_camp)]
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
        return f"bluesky:{a.native}"

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
            base = {TW: (2009, 2025), MA: (2017, 2025), BS: (2023, 2025)}[plat]
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
        a.topics = (8, 9) if p["key"] == "marta" else (18, 21) if p["key"] == "jonas" else (7,)
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
            elif a.persona is None and rng.random() < 0.9:
                a.avatar = self._save_media(Image.fromarray(_identicon(npr), "RGB"), "avatars",
                                            "PNG")
        for p in PERSONAS:
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
        for _ in range(max(200, min(3000, self.n_posts // 50))):
            ti = self._pick_cum(range(len(TOPICS)), self.topic_w)
            title = rng.choice(HEADLINES).format(t=TOPICS[ti][1], c=rng.choice(CITIES)[0])
            title = title[0].upper() + title[1:]
            slug = "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())
            url = f"https://{self._pick_cum(doms, dom_w)}/{self.start_dt:%Y/%m}/{slug}"
            if url not in self.titles:
                self.articles.append(url)
                self.titles[url] = title
        self.article_w = _cum([1 / (i + 1) ** 0.8 for i in range(len(self.articles))])

    def _title(self, url: str) -> str:
        t = self.titles.get(url)
        if t is None:
            t = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0].replace("-", " ").capitalize()
        return t

    def _article(self) -> str:
        return self._pick_cum(self.articles, self.article_w)

    def _body(self, a: Account, lang: str, kind: str) -> str:
        rng = self.rng
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
        self._plan_bots()
        self._plan_campaign()
        self._plan_personas()
        if self.media_on:
            self._plan_spread()
        self._plan_geo()
        self.events.sort(key=lambda e: (e[0], e[1]))
        planted = len(self.events) + self.bot_total
        self.n_ordinary = self.n_posts - planted
        if self.n_ordinary < self.n_posts // 4:
            raise SocmintError("too few posts for the planted phenomena; raise `posts`")
        del rng

    def _ev(self, t: int, handler, *args):
        self._evseq += 1
        self.events.append((t, self._evseq, handler, args))

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
                    "seed_twitter": None, "seed_bluesky": None, "posts": []}
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

    def _plan_personas(self):
        rng = self.rng
        n_each = max(8, min(400, round(self.n_posts * 0.0008)))
        self.persona_posts: dict[str, list[str]] = {}
        self.cross_posts: list[dict] = []
        for a in self.accounts:
            if a.role not in ("persona", "decoy"):
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
        others = [x for x in self.accounts if x.role == "ordinary" and x.platform != TW]
        for _ in range(n - n_tw):
            dt = min(dur - 1000, int(rng.gammavariate(1.6, dur / 6)))
            self._ev(t0 + dt, self._geo_post, rng.choice(others).idx, None, None, None)

    # ---------------------------------------------------------------- planted handlers

    def _camp_seed(self, t, wave, ai):
        a = self.accounts[ai]
        segs = [("t", wave["text"]), ("u", wave["url"])] + [("h", x) for x in wave["tags"]]
        uid, entry = self._post(a, t, segs, "en")
        wave["seed_twitter" if a.platform == TW else "seed_bluesky"] = (uid, entry, t)
        wave["posts"].append({"post": uid, "account": a.uid, "kind": "seed", "at": t})

    def _camp_member(self, t, wave, ai, mode):
        a = self.accounts[ai]
        seed = wave["seed_twitter" if a.platform == TW else "seed_bluesky"]
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
        key = "seed_twitter" if plat == TW else "seed_bluesky"
        for w in reversed(self.waves):
            s = w[key]
            if s is not None and s[2] <= t:
                return s[1] if t - s[2] < 6 * HOUR else None
        return None

    # ---------------------------------------------------------------- the stream

    def _stream(self):
        npr = self.np
        A = self.accounts
        pool = [a.idx for a in A if a.role in ("ordinary", "campaign")]
        groups: dict[int, list[int]] = {}
        for i in pool:
            groups.setdefault(A[i].tz, []).append(i)
        tzs = sorted(groups)
        g_idx = [np.array(groups[z], dtype=np.int64) for z in tzs]
        g_cum = [np.cumsum([A[i].weight for i in groups[z]]) for z in tzs]
        n_slots = self.days * 24
        day_mult = npr.uniform(0.85, 1.2, self.days)
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
        counts = npr.multinomial(self.n_ordinary, p.ravel()).reshape(p.shape)
        events = self.events
        ev_i = 0
        bots = self.roles["bot"]
        handlers = (self._ordinary, self._bot_post)
        for s in range(n_slots):
            s0 = self.start + s * HOUR
            s1 = s0 + HOUR
            batch = []
            for gi in range(len(tzs)):
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
            self.f_tw.close()
            self.f_ma.close()
            self.f_bs.close()
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
        for f in (self.f_tw, self.f_ma, self.f_bs):
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
                       "accounts": {p: len(self.by_platform[i]) for i, p in enumerate(PLATFORMS)}},
            "files": files,
            "media": {"index": "media/index.json" if self.media_on else None, "kinds": media},
            "ground_truth": "ground_truth.json",
        }

    def _mf(self, mid: int) -> dict:
        m = self.media_files[mid]
        return {"file": "media/" + m["path"], "sha256": m["sha256"], "url": m["url"]}

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
                          "seed_posts": [s[0] for s in (w["seed_twitter"], w["seed_bluesky"]) if s],
                          "posts": posts})
        persons = []
        for p in PERSONAS:
            accs = [a for a in A if a.persona == p["key"]]
            persons.append({
                "person": p["name"], "accounts": [a.uid for a in accs],
                "handles": [a.handle for a in accs], "display_names": [a.name for a in accs],
                "bios": [a.bio for a in accs],
                "avatar": self._mf(accs[0].avatar) if self.media_on else None,
                "timezone_offset_hours": p["tz"],
                "posts": {a.uid: self.persona_posts[a.uid] for a in accs},
                "cross_posts": [{"twitter": x["twitter"], "bluesky": x["bluesky"]}
                                for x in self.cross_posts] if p["key"] == "marta" else []})
        decoy = next(a for a in A if a.role == "decoy")
        marta = [a.uid for a in A if a.persona == "marta"]
        truth = {
            "description": TRUTH_DESCRIPTION,
            "generator": {"module": "socmint.scenario", "version": GENERATOR_VERSION,
                          "seed": self.seed},
            "period": {"start": _iso(self.start), "end": _iso(self.end)},
            "accounts": {a.uid: {"platform": PLATFORMS[a.platform], "handle": a.handle,
                                 "role": a.role, "timezone_offset_hours": a.tz, "language": a.lang}
                         for a in A},
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
                "parameters": {"window_seconds": self.camp_window, "hashtags": list(CAMPAIGN_TAGS),
                               "link_domain": CAMPAIGN_DOMAIN, "waves": len(self.waves)},
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
        return truth


TRUTH_DESCRIPTION = {
    "about": "What socmint.scenario planted in the data beside this file. Detectors are scored "
             "against it; nothing here is in the raw data. Account uids: twitter:<id>, "
             "mastodon:<lower username>@<server>, bluesky:<did>. Post uids: twitter:<tweet id>, "
             "mastodon:<status uri>, bluesky:<at:// uri> (reposts: their own repost record uri). "
             "Times are UTC ISO 8601. Files are relative to the scenario folder.",
    "accounts": "every account: platform, handle, role (ordinary, bot, campaign, persona, "
                "decoy), fixed UTC offset of its daily rhythm (no daylight saving), main language",
    "bots": "a bot network posting around the clock every interval_seconds +- jitter_seconds "
            "while active (active: each bot's first and last scheduled slot; the k-th post is "
            "at first + k * interval +- jitter); accounts, all their posts, parameters. "
            "Mostly reposts (some of the campaign seeds) and links to link_domain; "
            "handles are a first name and 8 digits, recent creation, few followers, many "
            "followed, default or shared stock avatars, a scheduler app as tweet source",
    "campaign": "a coordinated campaign: in each wave a seed post (Twitter and Bluesky), then "
                "members repost it (kind repost), paste the same text (copy) or a trivially "
                "changed text (near_copy) with the same URL and hashtag sequence, all within "
                "window_seconds of the wave (delay_seconds per post)",
    "identity": "persons: one person's accounts on two platforms (related display names, the "
                "same avatar file, bios naming each other, shared style and rhythm, cross_posts: "
                "the same text on both within minutes). decoys: a look-alike that is someone else",
    "image_spread": "a photo posted first by one account, retweeted (reposts), then re-uploaded "
                    "as derivatives (crop, resize, recompress, flip, screenshot padding; "
                    "transforms in order, apply_transforms() in socmint.scenario re-applies the "
                    "pixel ops to the parent) across platforms; posts carrying each file; null "
                    "when media=False",
    "geo_event": "a burst of geotagged tweets within radius_m of centre between start and end "
                 "(posts, with Twitter coordinates and place), related_posts on platforms "
                 "without geo, accounts involved, photos with GPS EXIF taken at the event",
}
