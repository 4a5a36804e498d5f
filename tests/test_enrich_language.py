"""socmint.enrich.language: the language of a post, offline."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint.enrich import language
from socmint.enrich.language import UNKNOWN, clean, detect, detect_many
from tests.conftest import shared_fixture

# Hand-written posts, social-media style, one or more per language.
POSTS = {
    "en": ["Just got back from the protest downtown, the police closed the bridge for hours",
           "honestly this is the worst customer service i have ever had, still waiting"],
    "de": ["Der Zug nach Hamburg fällt heute wieder aus, ich komme zu spät zur Arbeit",
           "ich kann nicht glauben dass die regierung das wirklich durchziehen will"],
    "fr": ["Je ne comprends pas pourquoi personne ne parle de cette manifestation",
           "franchement c'est la meilleure soirée de ma vie, merci à tous"],
    "es": ["No puedo creer que todavía no hayan arreglado la calle después de la tormenta",
           "Alguien sabe a qué hora abre la farmacia mañana por la mañana?"],
    "pt": ["Não acredito que o ônibus atrasou de novo, todo dia a mesma coisa",
           "obrigado a todos pelas mensagens de carinho, vocês são demais"],
    "it": ["Non ci posso credere, hanno chiuso di nuovo la strada per il mare"],
    "nl": ["Ik snap echt niet waarom de trein vandaag weer zoveel vertraging heeft"],
    "ru": ["Не могу поверить, что они снова перекрыли дорогу в центре города",
           "Кто-нибудь знает, во сколько завтра откроется аптека?"],
    "uk": ["Не можу повірити, що вони знову перекрили дорогу в центрі міста",
           "Хтось знає, о котрій завтра відкриється аптека?"],
    "bg": ["Не мога да повярвам, че отново са затворили пътя в центъра на града"],
    "ar": ["لا أصدق أنهم أغلقوا الطريق مرة أخرى في وسط المدينة",
           "هل يعرف أحد متى تفتح الصيدلية غدا صباحا؟"],
    "fa": ["باورم نمی‌شود که دوباره جاده را در مرکز شهر بسته‌اند",
           "از همه شما برای تبریک‌ها ممنونم، خیلی لطف دارید"],
    "ur": ["مجھے یقین نہیں آ رہا کہ انہوں نے پھر سے شہر کے مرکز کی سڑک بند کر دی"],
    "hi": ["मुझे विश्वास नहीं हो रहा कि उन्होंने फिर से शहर के बीच की सड़क बंद कर दी"],
    "zh": ["我不敢相信他们又把市中心的路封了", "有人知道明天早上药店几点开门吗？"],
    "ja": ["また市内中心部の道路が封鎖されたなんて信じられない",
           "みんなお祝いのメッセージありがとう、本当にうれしい"],
    "ko": ["또 시내 중심가 도로를 막았다니 믿을 수가 없어요",
           "내일 아침에 약국이 몇 시에 여는지 아시는 분 있나요?"],
    "tr": ["Şehir merkezindeki yolu yine kapattıklarına inanamıyorum",
           "Yarın sabah eczanenin kaçta açılacağını bilen var mı?"],
    "pl": ["Nie mogę uwierzyć, że znowu zamknęli drogę w centrum miasta"],
    "sv": ["Jag kan inte tro att de har stängt vägen i centrum igen"],
    "id": ["Aku tidak percaya mereka menutup jalan di pusat kota lagi"],
    "vi": ["Tôi không thể tin là họ lại chặn đường ở trung tâm thành phố"],
    "ro": ["Nu pot să cred că au închis din nou drumul din centrul orașului"],
    "cs": ["Nemůžu uvěřit, že zase zavřeli silnici v centru města"],
    "hu": ["Nem hiszem el, hogy megint lezárták az utat a belvárosban"],
    "fi": ["En voi uskoa että he sulkivat taas tien keskustassa"],
    "el": ["Δεν μπορώ να πιστέψω ότι έκλεισαν ξανά τον δρόμο στο κέντρο"],
    "he": ["אני לא מאמין שהם שוב סגרו את הכביש במרכז העיר"],
    "th": ["ไม่อยากเชื่อเลยว่าเขาปิดถนนในตัวเมืองอีกแล้ว"],
    "hy": ["Ողջույն, ինչպես եք այսօր, ես շատ ուրախ եմ"],
    "ka": ["გამარჯობა, როგორ ხარ დღეს, ძალიან კარგი ამინდია"],
}
CASES = [(code, text) for code, texts in POSTS.items() for text in texts]


@pytest.mark.parametrize(("code", "text"), CASES, ids=[f"{c}-{i}" for i, (c, _) in
                                                       enumerate(CASES)])
def test_languages_and_scripts(code, text):
    assert detect(text) == code


@pytest.mark.parametrize("text", ["ok", "lol", "hi", "yes!", "Danke", "Hello there", "ㅋㅋ",
                                  "12345 678", "", "   ", "...", "🔥🔥🔥"])
def test_short_texts_are_unknown(text):
    assert detect(text) == UNKNOWN


@pytest.mark.parametrize("text", [
    "https://t.co/xMSRTl76DW", "@shadeed9 👀 https://t.co/xMSRTl76DW",
    "RT @Lyraull: https://t.co/BqELa6bC8k", "#Brexit #BrexitReality #BrexitFoodShortages",
    "😂😂😂 🙏🏽 ❤️‍🔥", "mail me: someone.long.name@example.com www.example.org/page",
    "@a @b @c @d @e @f", "x.com/someone/status/123456789 pin.it/abcdefg",
])
def test_only_links_handles_tags_or_emoji_are_unknown(text):
    assert detect(text) == UNKNOWN


def test_noise_does_not_change_the_language():
    text = "Der Zug nach Hamburg fällt heute wieder aus, ich komme zu spät zur Arbeit"
    noisy = f"RT @DB_Bahn: {text} 😡😡 #BestFanArmy #iHeartAwards https://t.co/abc @someone"
    assert detect(noisy) == "de"
    assert "BestFanArmy" not in clean(noisy) and "https" not in clean(noisy)
    assert clean("mixed-case URL HTTPS://Example.COM/x and www.Site.org ok") == (
        "mixed case URL and ok")


def test_mixed_script_post_goes_to_its_unique_script():
    # a K-pop post: Korean with English names; the platform said "ko"
    text = "[MYSTIC LISTEN] 장재인 X EXO 수호(SUHO) '실례해도 될까요(Do you have a moment)' MV"
    assert detect(text) == "ko"
    # a few Korean characters in an English sentence do not make it Korean
    assert detect("We watched the whole concert from the front row last night 수호") == "en"


def test_detect_many_keeps_order_and_agrees_with_detect():
    texts = [t for _, t in CASES] + ["ok", "", "https://t.co/x"]
    assert detect_many(texts) == [detect(t) for t in texts]
    assert detect_many([]) == []


def test_odd_input_never_raises():
    assert detect(None) == UNKNOWN  # type: ignore[arg-type]
    assert detect(b"bytes") == UNKNOWN  # type: ignore[arg-type]
    assert detect("\x00\ud800 lone surrogate and nul bytes in a longer english sentence") in (
        "en", UNKNOWN)
    assert detect("a" * 1_000_000) in (*language.LANGUAGES, UNKNOWN)


def test_one_detector_per_process_and_script():
    assert language.detector() is language.detector()
    assert language.detector("cyrillic") is language.detector("cyrillic")
    assert language.detector("latin") is not language.detector()


CODES = set(language.LANGUAGES) | {UNKNOWN}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_any_text_gives_a_code(text):
    assert detect(text) in CODES


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=120), max_size=8))
def test_fuzz_detect_many(texts):
    assert detect_many(texts) == [detect(t) for t in texts]


def test_agreement_with_twitter_on_real_posts():
    """Real tweets carry Twitter's own language label; ours must agree where both are known."""
    path = shared_fixture("twitter/v2_twarc_brexit.jsonl")
    tweets = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            tweets += page.get("data", []) + page.get("includes", {}).get("tweets", [])
    pairs = [(t["lang"], detect(t["text"])) for t in tweets if t.get("lang") not in
             (None, "und", "qme", "qht", "qst", "zxx", "art")]
    known = [(a, b) for a, b in pairs if b != UNKNOWN]
    assert len(pairs) > 100
    assert len(known) >= 0.8 * len(pairs)
    assert sum(a == b for a, b in known) >= 0.93 * len(known)
