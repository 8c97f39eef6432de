"""Numbers, dates, times and money as words, in Ukrainian, Russian, Turkish and Arabic.

German and English keep their own forms in schedules/spoken.py and cases/spoken.py
("9:30 Uhr", "563 Euro"); these languages are written out in words by code, in each
language's own grammar, rather than digits pasted into a German pattern: the day is an
ordinal in the case its sentence needs ("первое декабря", "до першого грудня"), the hour
is said the way that language says it ("о дев'ятій тридцять", "saat dokuz otuz",
"الساعة التاسعة والنصف صباحًا"), and money takes its counted form ("пятьдесят центов").
Shared by `schedules` (appointments, opening hours) and `cases` (payments); imports nothing.
"""

from __future__ import annotations

from datetime import date

LANGUAGES = ("uk", "ru", "tr", "ar")

# --------------------------------------------------------------------------- cardinals

_RU = {
    "units": ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
              "девять"),
    "teens": ("десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
              "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"),
    "tens": ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
             "восемьдесят", "девяносто"),
    "hundreds": ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
                 "восемьсот", "девятьсот"),
    "thousand": ("тысяча", "тысячи", "тысяч"), "one_f": "одна", "two_f": "две",
}
_UK = {
    "units": ("нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім",
              "дев'ять"),
    "teens": ("десять", "одинадцять", "дванадцять", "тринадцять", "чотирнадцять",
              "п'ятнадцять", "шістнадцять", "сімнадцять", "вісімнадцять", "дев'ятнадцять"),
    "tens": ("", "", "двадцять", "тридцять", "сорок", "п'ятдесят", "шістдесят", "сімдесят",
             "вісімдесят", "дев'яносто"),
    "hundreds": ("", "сто", "двісті", "триста", "чотириста", "п'ятсот", "шістсот", "сімсот",
                 "вісімсот", "дев'ятсот"),
    "thousand": ("тисяча", "тисячі", "тисяч"), "one_f": "одна", "two_f": "дві",
}
_TR_UNITS = ("sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz")
_TR_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan")
_AR_UNITS = ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة")
_AR_TEENS = ("عشرة", "أحد عشر", "اثنا عشر", "ثلاثة عشر", "أربعة عشر", "خمسة عشر", "ستة عشر",
             "سبعة عشر", "ثمانية عشر", "تسعة عشر")
_AR_TENS = ("", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون")
_AR_HUNDREDS = ("", "مئة", "مئتان", "ثلاثمئة", "أربعمئة", "خمسمئة", "ستمئة", "سبعمئة",
                "ثمانمئة", "تسعمئة")


def slavic_plural(n: int, forms: tuple[str, str, str]) -> str:
    """Russian and Ukrainian counted forms: 1 цент, 2 цента, 5 центов (11-14 as 5)."""
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def _slavic_below_thousand(n: int, table: dict, feminine: bool = False) -> list[str]:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(table["hundreds"][hundreds])
    if 10 <= rest <= 19:
        words.append(table["teens"][rest - 10])
        return words
    tens, unit = divmod(rest, 10)
    if tens:
        words.append(table["tens"][tens])
    if unit:
        if feminine and unit in (1, 2):
            words.append(table["one_f"] if unit == 1 else table["two_f"])
        else:
            words.append(table["units"][unit])
    return words


def _slavic(n: int, table: dict) -> str:
    if n == 0:
        return table["units"][0]
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        words += _slavic_below_thousand(thousands, table, feminine=True)
        words.append(slavic_plural(thousands, table["thousand"]))
    words += _slavic_below_thousand(rest, table)
    return " ".join(words)


def _turkish(n: int) -> str:
    if n == 0:
        return _TR_UNITS[0]
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        words += ([] if thousands == 1 else [_turkish(thousands)]) + ["bin"]
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        words += ([] if hundreds == 1 else [_TR_UNITS[hundreds]]) + ["yüz"]
    tens, unit = divmod(rest, 10)
    if tens:
        words.append(_TR_TENS[tens])
    if unit:
        words.append(_TR_UNITS[unit])
    return " ".join(words)


def _arabic_below_thousand(n: int) -> list[str]:
    parts = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        parts.append(_AR_HUNDREDS[hundreds])
    if 10 <= rest <= 19:
        parts.append(_AR_TEENS[rest - 10])
    elif rest:
        tens, unit = divmod(rest, 10)
        if unit and tens:
            parts.append(f"{_AR_UNITS[unit]} و{_AR_TENS[tens]}")  # واحد وعشرون
        elif unit:
            parts.append(_AR_UNITS[unit])
        else:
            parts.append(_AR_TENS[tens])
    return parts


def _arabic(n: int) -> str:
    if n == 0:
        return _AR_UNITS[0]
    thousands, rest = divmod(n, 1000)
    parts = []
    if thousands == 1:
        parts.append("ألف")
    elif thousands == 2:
        parts.append("ألفان")
    elif 3 <= thousands <= 10:
        parts.append(f"{_arabic(thousands)} آلاف")
    elif thousands:
        parts.append(f"{_arabic(thousands)} ألفًا")
    parts += _arabic_below_thousand(rest)
    return " و".join(parts)


def cardinal(n: int, lang: str) -> str:
    """0 to 999,999 in words: "пятьсот шестьдесят три", "beş yüz altmış üç"."""
    if not 0 <= n < 1_000_000:
        return str(n)
    if lang == "ru":
        return _slavic(n, _RU)
    if lang == "uk":
        return _slavic(n, _UK)
    if lang == "tr":
        return _turkish(n)
    if lang == "ar":
        return _arabic(n)
    return str(n)


# --------------------------------------------------------------------------- names

WEEKDAYS = {
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    "uk": ("понеділок", "вівторок", "середа", "четвер", "п'ятниця", "субота", "неділя"),
    "tr": ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}
# A run of weekdays as people say it: "с понедельника по пятницу" (from: genitive, to:
# accusative), "з понеділка по п'ятницю", "Pazartesiden Cumaya" (ablative, dative), "من
# الاثنين إلى الجمعة"; never "понедельник – пятница".
WEEKDAYS_FROM = {
    "ru": ("понедельника", "вторника", "среды", "четверга", "пятницы", "субботы",
           "воскресенья"),
    "uk": ("понеділка", "вівторка", "середи", "четверга", "п'ятниці", "суботи", "неділі"),
    "tr": ("Pazartesiden", "Salıdan", "Çarşambadan", "Perşembeden", "Cumadan", "Cumartesiden",
           "Pazardan"),
    "ar": WEEKDAYS["ar"],
}
WEEKDAYS_UNTIL = {
    "ru": ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"),
    "uk": ("понеділок", "вівторок", "середу", "четвер", "п'ятницю", "суботу", "неділю"),
    "tr": ("Pazartesiye", "Salıya", "Çarşambaya", "Perşembeye", "Cumaya", "Cumartesiye",
           "Pazara"),
    "ar": WEEKDAYS["ar"],
}
WEEKDAY_RUN = {"ru": "с {} по {}", "uk": "з {} по {}", "tr": "{} {}", "ar": "من {} إلى {}"}
# Russian and Ukrainian months as a date says them (genitive: "первое декабря").
MONTHS = {
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
           "вересня", "жовтня", "листопада", "грудня"),
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
           "Ekim", "Kasım", "Aralık"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"),
}
# The day of the month, neuter ordinal ("первое", "перше") / masculine with article (Arabic).
_RU_ORDINAL = ("первое", "второе", "третье", "четвёртое", "пятое", "шестое", "седьмое",
               "восьмое", "девятое", "десятое", "одиннадцатое", "двенадцатое", "тринадцатое",
               "четырнадцатое", "пятнадцатое", "шестнадцатое", "семнадцатое", "восемнадцатое",
               "девятнадцатое", "двадцатое")
_UK_ORDINAL = ("перше", "друге", "третє", "четверте", "п'яте", "шосте", "сьоме", "восьме",
               "дев'яте", "десяте", "одинадцяте", "дванадцяте", "тринадцяте", "чотирнадцяте",
               "п'ятнадцяте", "шістнадцяте", "сімнадцяте", "вісімнадцяте", "дев'ятнадцяте",
               "двадцяте")
_AR_ORDINAL = ("الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن",
               "التاسع", "العاشر")
_AR_ORDINAL_BARE = ("حادي", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع")


def day_ordinal(day: int, lang: str, genitive: bool = False) -> str:
    """The day of the month as said in a date: "первое" / "первого" (genitive: "on", "from"),
    "перше" / "першого", "bir", "الأول"."""
    if lang in ("ru", "uk"):
        table, tens = (_RU_ORDINAL, "двадцать тридцать") if lang == "ru" else (
            _UK_ORDINAL, "двадцять тридцять")
        if day <= 20:
            word = table[day - 1]
        elif day == 30:
            word = "тридцатое" if lang == "ru" else "тридцяте"
        else:
            ten = tens.split()[day // 10 - 2]
            word = f"{ten} {table[day % 10 - 1]}"
        if genitive:
            for ending, replacement in (("ье", "ьего"), ("ое", "ого"), ("є", "ього"),
                                        ("е", "ого")):
                if word.endswith(ending):  # третье -> третьего, первое -> первого,
                    return word[: -len(ending)] + replacement  # третє -> третього
        return word
    if lang == "tr":
        return cardinal(day, "tr")
    if lang == "ar":
        if day <= 10:
            return _AR_ORDINAL[day - 1]
        if day < 20:
            return "الحادي عشر" if day == 11 else f"{_AR_ORDINAL[day - 11]} عشر"
        # As dates are said: "الثلاثين من ديسمبر", "الحادي والعشرين".
        tens = {2: "العشرين", 3: "الثلاثين"}[day // 10]
        if day % 10 == 0:
            return tens
        return f"ال{_AR_ORDINAL_BARE[day % 10 - 1]} و{tens}"
    return str(day)


def date_words(day: date, lang: str, weekday: bool = True, genitive: bool = False,
               year: bool = False) -> str:
    """ "вторник, первое декабря" / "1 Aralık Salı" / "الثلاثاء، الأول من ديسمبر"."""
    month = MONTHS[lang][day.month - 1]
    name = WEEKDAYS[lang][day.weekday()]
    said_year = f" {cardinal(day.year, lang)}" if year else ""
    if lang == "tr":
        text = f"{day_ordinal(day.day, lang)} {month}{said_year}"
        return f"{text} {name}" if weekday else text
    if lang == "ar":
        text = f"{day_ordinal(day.day, lang)} من {month}{said_year}"
        return f"{name}، {text}" if weekday else text
    text = f"{day_ordinal(day.day, lang, genitive)} {month}"
    if year:
        text += f" {cardinal(day.year, lang)} " + ("года" if lang == "ru" else "року")
    return f"{name}, {text}" if weekday else text


# --------------------------------------------------------------------------- time of day

_UK_HOUR_AT = ("нульовій", "першій", "другій", "третій", "четвертій", "п'ятій", "шостій",
               "сьомій", "восьмій", "дев'ятій", "десятій", "одинадцятій", "дванадцятій",
               "тринадцятій", "чотирнадцятій", "п'ятнадцятій", "шістнадцятій", "сімнадцятій",
               "вісімнадцятій", "дев'ятнадцятій", "двадцятій", "двадцять першій",
               "двадцять другій", "двадцять третій")
_UK_HOUR_OF = tuple(w[:-2] + ("ьої" if w.endswith("тій") and w.startswith("тре") else "ої")
                    for w in _UK_HOUR_AT)
_RU_GENITIVE = {"ноль": "ноля", "один": "одного", "два": "двух", "три": "трёх",
                "четыре": "четырёх", "восемь": "восьми", "сорок": "сорока",
                "пятьдесят": "пятидесяти", "шестьдесят": "шестидесяти",
                "семьдесят": "семидесяти", "восемьдесят": "восьмидесяти",
                "девяносто": "девяноста", "сто": "ста"}
_AR_HOURS = ("الثانية عشرة", "الواحدة", "الثانية", "الثالثة", "الرابعة", "الخامسة",
             "السادسة", "السابعة", "الثامنة", "التاسعة", "العاشرة", "الحادية عشرة")


def _ru_genitive(words: str) -> str:
    """ "двенадцать тридцать" -> "двенадцати тридцати" (from eight "до двенадцати")."""
    out = []
    for word in words.split():
        if word in _RU_GENITIVE:
            out.append(_RU_GENITIVE[word])
        elif word.endswith("ь"):
            out.append(word[:-1] + "и")  # пять -> пяти, двадцать -> двадцати
        else:
            out.append(word)
    return " ".join(out)


def _arabic_time(hour: int, minute: int) -> str:
    said = f"الساعة {_AR_HOURS[hour % 12]}"
    if minute == 15:
        said += " والربع"
    elif minute == 30:
        said += " والنصف"
    elif minute:
        said += f" و{cardinal(minute, 'ar')} دقيقة"
    if hour < 12:
        period = "صباحًا"
    elif hour < 15:
        period = "ظهرًا"
    elif hour < 18:
        period = "بعد الظهر"
    else:
        period = "مساءً"
    return f"{said} {period}"


def time_words(minute_of_day: int, lang: str, form: str = "at") -> str:
    """A time of day in words. `form`: "at" ("в девять тридцать", "о дев'ятій тридцять",
    "saat dokuz otuz", "الساعة التاسعة والنصف صباحًا"), or "from" / "to" for opening
    hours, where Russian and Ukrainian need the genitive ("с восьми до двенадцати
    тридцати", "з восьмої до дванадцятої тридцять")."""
    hour, minute = divmod(minute_of_day, 60)
    minutes = "" if minute == 0 else (
        f" ноль {cardinal(minute, lang)}" if minute < 10 and lang in ("ru", "uk") else
        f" {cardinal(minute, lang)}")
    if lang == "ru":
        said = cardinal(hour, "ru") + minutes
        if form == "at":
            if not minute:
                return f"в {said} " + slavic_plural(hour, ("час", "часа", "часов"))
            return f"в {said}"
        return _ru_genitive(said)
    if lang == "uk":
        if form == "at":
            return f"о {_UK_HOUR_AT[hour]}{minutes}"
        return f"{_UK_HOUR_OF[hour]}{minutes}"
    if lang == "tr":
        said = _turkish(hour) + ("" if not minute else f" {_turkish(minute)}")
        return f"saat {said}" if form == "at" else said
    if lang == "ar":
        return _arabic_time(hour, minute)
    return f"{hour}:{minute:02d}"


def hours_words(intervals, lang: str) -> str:
    """Opening hours of one day: "с восьми до двенадцати тридцати" / "з восьмої до ..." /
    "saat sekiz ile on iki otuz arası" / "من الساعة الثامنة صباحًا حتى ..."."""
    parts = []
    for start, end in intervals:
        if lang == "ru":
            parts.append(f"с {time_words(start, lang, 'from')} до {time_words(end, lang, 'to')}")
        elif lang == "uk":
            parts.append(f"з {time_words(start, lang, 'from')} до {time_words(end, lang, 'to')}")
        elif lang == "tr":
            parts.append(f"saat {time_words(start, lang, 'from')} ile "
                         f"{time_words(end, lang, 'to')} arası")
        else:
            parts.append(f"من {time_words(start, lang)} حتى {time_words(end, lang)}")
    return join(parts, lang)


# Every week on that day ("donnerstags"), and the parts of the day, for opening hours.
WEEKLY = {
    "ru": ("по понедельникам", "по вторникам", "по средам", "по четвергам", "по пятницам",
           "по субботам", "по воскресеньям"),
    "uk": ("щопонеділка", "щовівторка", "щосереди", "щочетверга", "щоп'ятниці", "щосуботи",
           "щонеділі"),
    "tr": ("Pazartesi günleri", "Salı günleri", "Çarşamba günleri", "Perşembe günleri",
           "Cuma günleri", "Cumartesi günleri", "Pazar günleri"),
    "ar": ("أيام الاثنين", "أيام الثلاثاء", "أيام الأربعاء", "أيام الخميس", "أيام الجمعة",
           "أيام السبت", "أيام الأحد"),
}
PARTS_OF_DAY = {
    "ru": {"morning": "утром", "afternoon": "после обеда"},
    "uk": {"morning": "зранку", "afternoon": "після обіду"},
    "tr": {"morning": "sabah", "afternoon": "öğleden sonra"},
    "ar": {"morning": "صباحًا", "afternoon": "بعد الظهر"},
}


# "As soon as possible", said back to a caller who asked for it.
ASAP = {"ru": "как можно скорее", "uk": "якнайшвидше", "tr": "en kısa zamanda",
        "ar": "في أقرب وقت ممكن"}


def until_words(minute_of_day: int, lang: str) -> str:
    """"до двенадцати тридцати", "до дванадцятої тридцять", "saat on iki otuza kadar",
    "حتى الساعة ..."."""
    if lang in ("ru", "uk"):
        return f"до {time_words(minute_of_day, lang, 'to')}"
    if lang == "tr":
        return f"saat {_turkish_case(time_words(minute_of_day, lang, 'to'), _TR_DATIVE)} kadar"
    return f"حتى {time_words(minute_of_day, lang)}"


def from_words(minute_of_day: int, lang: str) -> str:
    """"с четырнадцати", "з чотирнадцятої", "saat on dörtten itibaren", "من الساعة ..."."""
    if lang == "ru":
        return f"с {time_words(minute_of_day, lang, 'from')}"
    if lang == "uk":
        return f"з {time_words(minute_of_day, lang, 'from')}"
    if lang == "tr":
        return (f"saat {_turkish_case(time_words(minute_of_day, lang, 'from'), _TR_ABLATIVE)}"
                " itibaren")
    return f"من {time_words(minute_of_day, lang)}"


# Turkish puts "until" and "from" on the last number word as an ending ("on iki otuza
# kadar", "on dörtten itibaren"); without it ("on iki otuz kadar") a listener hears a
# mistake. Every word a clock time ends in, with each ending, by vowel harmony and
# consonant rules.
_TR_DATIVE = {"bir": "bire", "iki": "ikiye", "üç": "üçe", "dört": "dörde", "beş": "beşe",
              "altı": "altıya", "yedi": "yediye", "sekiz": "sekize", "dokuz": "dokuza",
              "on": "ona", "yirmi": "yirmiye", "otuz": "otuza", "kırk": "kırka",
              "elli": "elliye", "sıfır": "sıfıra"}
_TR_ABLATIVE = {"bir": "birden", "iki": "ikiden", "üç": "üçten", "dört": "dörtten",
                "beş": "beşten", "altı": "altıdan", "yedi": "yediden", "sekiz": "sekizden",
                "dokuz": "dokuzdan", "on": "ondan", "yirmi": "yirmiden", "otuz": "otuzdan",
                "kırk": "kırktan", "elli": "elliden", "sıfır": "sıfırdan"}


def turkish_ending(minute_of_day: int, case: str) -> str:
    """The ending a time written in figures takes in Turkish, as it is said: "12:30'a
    kadar" (otuza), "14:00'ten itibaren" (on dörtten). `case`: "until" or "from"."""
    last = time_words(minute_of_day, "tr", "to").rpartition(" ")[2]
    ending = (_TR_DATIVE if case == "until" else _TR_ABLATIVE).get(last, last)
    return ending[len(last):]


def _turkish_case(said: str, endings: dict[str, str]) -> str:
    head, _, last = said.rpartition(" ")
    return f"{head} {endings.get(last, last)}".strip()


def join(parts: list[str], lang: str) -> str:
    """ "A, B и C" / "A, B і C" / "A, B ve C" / "A، B وC"."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    if lang == "ar":
        return f"{'، '.join(parts[:-1])} و{parts[-1]}"
    word = {"ru": "и", "uk": "і", "tr": "ve"}[lang]
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


# --------------------------------------------------------------------------- money, codes

_EURO = {"ru": "евро", "uk": "євро", "tr": "avro", "ar": "يورو"}
_CENTS = {"ru": ("цент", "цента", "центов"), "uk": ("цент", "центи", "центів")}


def _arabic_cents(n: int) -> str:
    if n == 1:
        return "سنت واحد"
    if n == 2:
        return "سنتان"
    if n <= 10:
        return f"{cardinal(n, 'ar')} سنتات"
    return f"{cardinal(n, 'ar')} سنتًا"


def euros(cents: int, lang: str) -> str:
    """ "пятьсот шестьдесят три евро пятьдесят центов", "beş yüz altmış üç avro elli sent"."""
    whole, rest = divmod(int(cents), 100)
    said = f"{cardinal(whole, lang)} {_EURO[lang]}"
    if lang == "ar" and whole in (1, 2):
        said = "يورو واحد" if whole == 1 else "اثنان يورو"
    if not rest:
        return said
    if lang == "tr":
        return f"{said} {cardinal(rest, lang)} sent"
    if lang == "ar":
        return f"{said} و{_arabic_cents(rest)}"
    return f"{said} {cardinal(rest, lang)} {slavic_plural(rest, _CENTS[lang])}"


def digits(code: str, lang: str) -> str:
    """A code digit by digit, with pauses: "четыре, семь, один, один, ноль, три"."""
    comma = "، " if lang == "ar" else ", "
    return comma.join(cardinal(int(ch), lang) for ch in str(code) if ch.isdigit())
