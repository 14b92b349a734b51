"""English notes (Synthea narratives, foreign patients): Presidio's English pattern recognizers, scored by
the words around them, plus names, street addresses and month-name dates, which Presidio leaves to NER.

Presidio's SSN, passport, licence and phone recognizers rely on context words that its NLP engine finds
through lemmas; our engine is model-free, so a wrapper looks for the cue words in a window of characters
before each finding instead: with a cue a finding scores 0.85, without one it keeps Presidio's own score
(most are below the 0.5 threshold: a bare nine-digit number is no passport). Entities keep Presidio's
names (PHONE_NUMBER, US_SSN, US_PASSPORT, US_DRIVER_LICENSE) and offsets are the text's own.
"""

from __future__ import annotations

import re
from typing import cast

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    DateRecognizer,
    PhoneRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)

from node.anonymization.recognizers.base import RegexRecognizer, lean_pattern_analyze, near, prefiltered

CUE_SCORE = 0.85
_CUES = {
    "US_SSN": re.compile(r"SSN|social security", re.IGNORECASE),
    "US_PASSPORT": re.compile(r"passport|护照", re.IGNORECASE),
    "US_DRIVER_LICENSE": re.compile(
        r"driver'?s? ?licen[cs]e|driving licen[cs]e|\bDL\b|驾照|驾驶证", re.IGNORECASE
    ),
    "PHONE_NUMBER": re.compile(
        r"phone|tel\b|call|contact|mobile|cell|fax|\bat\b|number|reach|电话|手机|联系", re.IGNORECASE
    ),
}


# libphonenumber's matcher is thorough but slow (~1 ms a window, ~20 ms a note): it reads only windows
# around international numbers (+44 20 7946 0958); North American ones after a cue are PHONE_SHAPE's
PHONE_CANDIDATE = re.compile(r"\+\d[\d ().-]{7,20}\d")


class ContextScored(EntityRecognizer):
    """A Presidio recognizer whose findings score ``CUE_SCORE`` with a cue word shortly before them."""

    def __init__(
        self, inner: EntityRecognizer, entity: str, before: int = 24, windows: re.Pattern[str] | None = None
    ) -> None:
        super().__init__(
            supported_entities=[entity], supported_language="en", name=f"{type(inner).__name__}_cued"
        )
        self._inner, self._entity, self._before, self._windows = inner, entity, before, windows
        self._lean = lean_pattern_analyze(inner)  # Presidio's pattern scan without its per-call machinery

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for r in self._findings(text, nlp_artifacts):
            score = r.score
            if near(text, r.start, r.end, _CUES[self._entity], before=self._before):
                score = max(score, CUE_SCORE)
            # a new result: the engine keeps only results carrying the id of a recognizer it ran
            out.append(RecognizerResult(self._entity, r.start, r.end, score))
        return out

    def _findings(self, text: str, nlp_artifacts: NlpArtifacts | None) -> list[RecognizerResult]:
        if self._windows is None:
            if self._lean is not None:
                return self._lean(text)
            return list(self._inner.analyze(text, [self._entity], cast(NlpArtifacts, nlp_artifacts)))
        found = []
        for m in self._windows.finditer(text):
            if sum(ch.isdigit() for ch in m.group()) < 10:
                continue
            start, end = max(0, m.start() - 4), min(len(text), m.end() + 1)
            for r in self._inner.analyze(text[start:end], [self._entity], cast(NlpArtifacts, nlp_artifacts)):
                found.append(RecognizerResult(r.entity_type, r.start + start, r.end + start, r.score))
        return found


# a North American or international number after a phone cue, valid or not (Synthea's 555 numbers)
PHONE_SHAPE = re.compile(r"(?<![\w+])(?:\+1[ -]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
MONTH_DATE = re.compile(
    rf"\b(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d{{2}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.?,? (?:19|20)\d{{2}}\b"
)
# a day and a month without the year after a word of time (planned ORIF on 16 Nov, discharge Nov 5,
# around 30 November): the date an event fell or falls on
DAY_MONTH_AFTER = re.compile(
    r"\b(?:on|by|around|until|before|after|since|[Dd]ischarge|[Dd]ischarged) "
    rf"((?:\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\b|(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?\b)(?!,? \d))"
)
# a city and its country after a word of travel or residence (traveled to Lima, Peru; lives in Pune, India)
_COUNTRIES = (
    "China|India|Pakistan|Bangladesh|Nepal|Japan|Korea|South Korea|Vietnam|Thailand|Malaysia|Singapore|Indonesia|"
    "Philippines|Myanmar|Cambodia|Laos|Mongolia|Kazakhstan|Russia|Ukraine|Poland|Germany|France|Italy|Spain|"
    "Portugal|Greece|Turkey|Netherlands|Belgium|Switzerland|Austria|Sweden|Norway|Denmark|Finland|Ireland|"
    "England|Scotland|Wales|UK|United Kingdom|USA|United States|Canada|Mexico|Guatemala|Cuba|Colombia|Peru|"
    "Ecuador|Brazil|Chile|Argentina|Venezuela|Bolivia|Egypt|Morocco|Algeria|Tunisia|Nigeria|Ghana|Kenya|"
    "Ethiopia|Uganda|Tanzania|Rwanda|South Africa|Zimbabwe|Zambia|Sudan|Somalia|Iran|Iraq|Israel|Jordan|"
    "Lebanon|Syria|Saudi Arabia|UAE|Qatar|Yemen|Afghanistan|Australia|New Zealand|Fiji"
)
CITY_COUNTRY = re.compile(
    r"\b(?:to|in|from|at|near|visited|visiting|via|through|of)[ ]+"
    rf"((?:[A-Z][a-z]+[ -]){{0,2}}[A-Z][a-z]+, (?:{_COUNTRIES}))\b"
)
# a well-known city after a word of place or travel (arrives from Shanghai, in San Francisco until June,
# returned to Portland), with its district or region after a comma (Seoul, Gangnam-gu); not a label's
# word (Address in Shanghai: ...)
_CITIES = (
    "Beijing|Shanghai|Chongqing|Chengdu|Guangzhou|Shenzhen|Hangzhou|Nanjing|Wuhan|Xi'an|Changsha|Zhengzhou|"
    "Jinan|Qingdao|Shenyang|Dalian|Harbin|Changchun|Shijiazhuang|Taiyuan|Hefei|Fuzhou|Xiamen|Nanchang|"
    "Nanning|Kunming|Guiyang|Lanzhou|Xining|Yinchuan|Urumqi|Lhasa|Hohhot|Haikou|Sanya|Suzhou|Wuxi|Ningbo|"
    "Wenzhou|Dongguan|Foshan|Zhuhai|Tianjin|Hong Kong|Macau|Macao|Taipei|Lijiang|Guilin|Yichang|Wanzhou|"
    "Fuling|Mianyang|Yibin|Zunyi|Luzhou|Seoul|Busan|Tokyo|Osaka|Kyoto|Singapore|Bangkok|Hanoi|"
    "Ho Chi Minh City|Kuala Lumpur|Jakarta|Manila|Yangon|Vientiane|Phnom Penh|Kathmandu|Delhi|New Delhi|"
    "Mumbai|Bangalore|Karachi|Dhaka|Colombo|Sydney|Melbourne|Brisbane|Perth|Auckland|London|Manchester|"
    "Edinburgh|Dublin|Paris|Lyon|Marseille|Berlin|Munich|Hamburg|Frankfurt|Madrid|Barcelona|Lisbon|Rome|"
    "Milan|Amsterdam|Brussels|Zurich|Geneva|Vienna|Prague|Warsaw|Stockholm|Oslo|Copenhagen|Helsinki|"
    "Moscow|Istanbul|Dubai|Abu Dhabi|Doha|Tehran|Cairo|Nairobi|Lagos|Johannesburg|Cape Town|New York|"
    "Los Angeles|San Francisco|Chicago|Boston|Seattle|Houston|Dallas|Miami|Atlanta|Denver|Phoenix|"
    "Philadelphia|Washington|Portland|San Diego|Las Vegas|Honolulu|Toronto|Vancouver|Montreal|Montréal|"
    "Ottawa|Calgary|Mexico City|São Paulo|Sao Paulo|Rio de Janeiro|Buenos Aires|Lima|Santiago|Bogotá|Bogota"
)
CITY_NAMED = re.compile(
    r"\b(?:[Ii]n|[Ff]rom|[Tt]o|[Aa]t|[Nn]ear|[Vv]isiting|[Vv]ia|[Ll]ives in|[Bb]ack in|[Rr]eturned to)[ ]+"
    rf"((?:{_CITIES})(?:, [A-Z][\w'-]+(?:-[a-z]+)?)?)\b(?![ ]*:)"
)
# a Chinese address written in English: building, number or lane before a road's name, districts or
# counties after it (Apt 502, No. 88 Lane 1100, Gubei Road, Changning District; Building 3, Lane 600,
# Hongqiao Road, Shanghai), or a county and its prefecture (Ningnan County, Liangshan)
_UNIT = r"(?:(?:Apt|Room|Rm|Building|Bldg|Unit|Flat|Block|Tower) [\w-]+, )"
CN_ADDRESS_EN = re.compile(
    rf"\b(?:{_UNIT}{{1,3}}(?:No\. ?\d+,? )?(?:Lane \d+, )?|(?:No\. ?\d+,? )(?:Lane \d+, )?|Lane \d+, )"
    r"(?:[A-Z][a-z]+ ){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lu|Jie|Dadao)\b\.?"
    r"(?:, (?:[A-Z][a-z]+ ){1,2}(?:District|County|Town|Township|New Area))*(?:, [A-Z][a-z]+(?! [a-z]))?"
    r"|\b(?!The |This |That )(?:[A-Z][a-z]+ ){1,2}(?:County|District), [A-Z][a-z]+\b(?! [A-Z]?[a-z])"
)
# a US city, state and ZIP code (Worcester, MA 01608)
CITY_STATE_ZIP = re.compile(r"\b(?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+, [A-Z]{2} \d{5}(?:-\d{4})?\b")
_WORD = r"(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))"
# (a room, a tower and a building's name may lead it: Room 905, Tower C, Harbour Plaza, 8 Some Road; a
# direction may stand before the street's name or after its kind: 88 W 12th St, 40 Elm St NW; up to three
# district, city or state names may follow: ..., Xuhui District, Shanghai; St. Paul, MN 55101)
STREET = re.compile(
    r"\b(?:(?:Room|Rm|Apt|Suite|Unit|Flat) \w+, (?:(?:[A-Z][\w'-]*|\d+)(?: [A-Z][\w'-]*){0,3}, ){0,2})?"
    rf"\d{{1,6}} (?:[NSEW] )?(?:{_WORD} ){{1,3}}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
    r"Court|Ct|Way|Place|Pl|Crossing|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq|Point|Circle|Cir|Trail|Row)\b\.?"
    r"(?: [NS][EW]\b)?(?:,? (?:Apt|Suite|Unit|#) ?\w+)?"
    r"(?:, (?:St\. )?[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}){0,3}(?:,? [A-Z]{2})?(?: \d{5}(?:-\d{4})?)?"
)
# a name (two or three capitalized words, Synthea appends digits; accented letters, O'Connor, Al-Sayed)
# after a title or a word saying a person follows, or before a date of birth, an age, a degree, a
# nationality (Sophia Rossi，意大利籍) or a verb only a patient or a person does
_LOWER = "a-zà-öø-ÿ"
# one inner capital after a short prefix: McAllister, MacLeod, DeShawn, LaToya
# and a hyphenated Korean or Chinese given name in lower case after the hyphen: Sung-min, Ji-woo
_WORD_CAP = (
    rf"[A-Z](?:[{_LOWER}]{{1,2}}[A-Z][{_LOWER}]+|[{_LOWER}]+(?:-[a-z]{{2,4}}\b)?|'[A-Z][{_LOWER}]+)\d*"
)
NAME = rf"({_WORD_CAP}(?:[ -]{_WORD_CAP}){{1,2}})"
# in English text, also an initial and a surname (R. Roe, K. Moe); the Chinese recognizers scan NAME
# unanchored over every note and keep the plain form
_NAME = (
    rf"((?:(?<![A-Za-z])[A-Z]\. )?{_WORD_CAP}(?: [A-Z]\.)?(?:[ -]{_WORD_CAP}){{1,2}}"
    rf"|(?<![A-Za-z])[A-Z]\. {_WORD_CAP})"
)
_KIN = (
    "husband|wife|son|daughter|mother|father|brother|sister|guardian|caregiver|niece|nephew|aunt|uncle|"
    "grandson|granddaughter|grandmother|grandfather|partner|spouse|neighbou?r|friend|roommate|flatmate|housemate|"
    "boyfriend|girlfriend|fianc[eé]e?|colleague|coworker|co-worker"
)
# (in-laws and step-relatives: daughter-in-law Fatima, stepson Liam)
_KIN_FORM = rf"(?:step-?)?(?:{_KIN})(?:-in-law)?"
NAME_AFTER_CUE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?[ ]+|\b(?:Patient|Name|Contact|contact|Emergency contact|"
    rf"(?i:{_KIN_FORM})(?: of(?: pt| patient)?)?|by|Pt|patient|pt is|Surgeon|[Cc]alled|[Rr]esident|From|Claimant|"
    r"Assistant|Attending|[Ee]mployee|Examinee|[Ww]orker|Student|Applicant|Donor|Recipient|[Dd]river|Passenger|"
    # a nurse's or a sonographer's credential, a colleague, a client (RN Jane Roe, Sonographer: Jane Roe),
    # a patient after an age and sex (34 y/o male Jane Roe)
    r"RN|LPN|NP|[Ss]onographer|[Cc]olleague|Client|y/o (?:male|female)|year-old (?:male|female|man|woman)|"
    r"Witness|Interpreter|Technologist|Technician|Therapist|Coordinator|Reviewer|Author|[Rr]adiologist|"
    r"[Pp]athologist|[Aa]nesthesiologist|[Ss]ocial worker|[Cc]ase manager|[Dd]ictated by|[Ss]igned by|"
    r"[Rr]eviewed by|[Vv]erified by|[Aa]pproved by|[Rr]ead by|[Pp]erformed by|account of|"
    r"[Ii]nvestigator|[Mm]onitor|[Cc]onsented by|[Oo]btained by|[Ss]ignature|[Ss]igned|[Rr]epresentative|"
    r"[Pp]ractitioner|[Mm]idwife|[Dd]octor|[Dd]ietitian|[Cc]haplain|[Pp]aramedic|[Cc]ounselor|[Hh]ousekeeper|"
    r"Payee|[Aa]ccount holder|[Cc]ardholder|[Pp]olicy ?holder|Insured member|Adjuster|"
    r"Subscriber|Insured|Member|Policyholder|Beneficiary|triage|pharmacist|nurse|physician|spoke with|"
    r"Decedent|Deceased|Informant|Certifier|Guarantor|Pharmacist|Caller|Nurse|[Tt]ranslator|[Rr]eporter|"
    r"Full name|Infant|Mom|Dad|message from|certify that|[Cc]lerk|eval|PT|"
    r"interpreter|[Pp]articipant(?: name)?|Regards|Sincerely|[Ww]itness|[Pp]hysician|PI|"
    r"held with|see|saw|seeing|evaluate|referring|(?:conference|met|meeting|discussed|talked) with|counseled|Dear)"
    r"[ ]*[:,]?[ ]+[\"“]?"
    # one introducing themself (this is Jane Roe; I, Jane Roe, authorize)
    r"|\b[Tt]his is[ ]+|\bI,[ ]+(?=[^,\n]{3,40},)"
    r"|(?:患者|家属|外籍患者|外籍员工|联系人|姓名|被保险人|投保人|申请人)[ ]*[:：]?[ ]*)" + _NAME
)
# one given name after a kinship word, before a lower-case word or punctuation (Daughter Leena visited)
# (or after an interpreter's or a sitter's role: with interpreter Leena.)
GIVEN_AFTER_KIN = re.compile(
    rf"\b(?i:{_KIN_FORM}|interpreter|sitter|chaplain)[,:]?[ ]+([A-Z][{_LOWER}]{{2,}})(?=[,.;:)]|[ ]+[a-z(])"
)
# a given name signing off a message, alone at its line's end (Thanks, Leena)
GIVEN_SIGN_OFF = re.compile(
    rf"\b(?:Thanks|Thank you|Regards|Best|Sincerely|Cheers),?[ ]*\n?[ ]*([A-Z][{_LOWER}]{{2,}})(?=[ ]*(?:\n|$))"
)
# a full name signing off a letter or a message (Yours sincerely,⏎Chen Rong; Best regards,⏎Xu Nuo, Study
# Coordinator; — He Lin, 2024-08-19), greeting one (Dear Naveen, Hi Priya,), a bed's occupant (Bed 5　Lee
# Soo-hyun), a team member before a role in a table's row (Chu Weidong　PI) or after an addressee's or a
# preparer's label (To: Qu Xiaobing, Prepared by 制表: Zhou Yi)
FULL_SIGN_OFF = re.compile(
    r"(?:\b(?:Regards|Best regards|Kind regards|Yours sincerely|Sincerely|Yours faithfully|Best wishes|Thanks),"
    r"[ ]*\n?[ ]*|(?m:^)[—–-]{1,2}[ ]*|[\"”.][ ]*[—–][ ]*)" + _NAME + r"(?=[ ]*(?:,|\n|$))"
)
GREETING = re.compile(rf"(?m:^)(?:Dear|Hi|Hello)[ ]+([A-Z][{_LOWER}]{{2,}})(?=,)")
TEAM_ROW = re.compile(
    r"(?m:^)" + _NAME + r"(?=[ \t\u3000]{1,6}(?:PI|Sub-I|CRA|CRC|SC|Pharmacist|Nurse|Investigator)\b)"
)
BED_OCCUPANT = re.compile(r"\b(?:Bed|bed) \d{1,3}[ \t\u3000]+" + _NAME)
ADDRESSEE = re.compile(
    r"\b(?:To|CRA|CRC|Prepared by|Handover by|by [A-Z][a-z]+ [A-Z][a-z]+ to|member|obtaining consent)"
    r"(?: [\u4e00-\u9fff]{1,4})?[ ]*:?[ ]+" + _NAME
)
# a name opening a line, before a verb only a person does (Tamsin Hale ambulated ..., ... lives alone)
NAME_OPENING_LINE = re.compile(
    rf"(?m)^{_NAME}(?= (?:ambulated|counseled|counselled|lives|lived|may resume|may return|visited|called|"
    r"tolerated|declined|agreed|requested|states|stated|reports|reported|feels|felt|works|returned|"
    r"walked|was discharged|was seen|is a \d|is an \d)\b)"
)
# a single given name opening a note, a line or a sentence before a verb only a person does (Aisha
# presented, Brandon was brought in, Yusuf is a 9-year-old): no pronoun, kinship or clinical noun
_PERSON_VERB = (
    r"(?:presented|presents|underwent|was brought|was admitted|was seen|was discharged|was transferred|"
    r"is a \d|is an \d|reports|reported|denies|denied|complains|complained|arrived|states|stated|"
    r"tolerated|ambulated|declined|agreed|returned|visited|lives|lived|feels|felt|works|walked|"
    r"was referred|was evaluated|was started|was given|has been|had been)\b"
)
GIVEN_OPENING = re.compile(rf"(?m)(?:^|(?<=[.!?] )|(?<=[.!?]  ))([A-Z][{_LOWER}]{{2,}})(?= {_PERSON_VERB})")
# words that open a sentence before those verbs and are no names (She presented, Mother reports, Pain
# improved); words ending like abstract or clinical nouns (-tion, -ment, -ness, -ity, -ing, -ics, -ogy)
# are none either
NOT_GIVEN_WORDS = frozenset(
    "She He They It We You Who Which What Everyone Someone Nobody Today Yesterday Tonight Overnight Then "
    "Mom Dad Parents Parent Child Children Infant Baby Boy Girl Man Woman Men Women Son Teen Adult Client "
    "Resident Member Subject Participant Examinee Veteran Pt Nurse Doctor Physician Surgeon Team Staff "
    "Pain Fever Cough Labs Lab Imaging Culture Cultures Vitals Wound Swelling Rash Blood Urine Biopsy "
    "Chest Abdomen Skin Exam Echo Scan Report Results Result Note Notes Case Spouse Partner Friend "
    "Grandmother Grandfather Grandson Granddaughter Neighbor Neighbour Caller Visitor Sibling Twin "
    "Grandma Grandpa Mum Teacher School Coach Employer Police Officer EMS Paramedic Paramedics Provider "
    "Clinician Pharmacist Therapist Radiology Cardiology Neurology Oncology Ortho Husband Wife "
    # months and days: a found name's part (May, June) is not propagated onto a date
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
_NOT_NAME_ENDING = re.compile(r"(?:tion|sion|ment|ness|ity|ing|ics|ogy|ance|ence|ure|ism)$")
# a name opening a line before its age, sex or a document (Rowan Ellery, 52, ...; Ilse Brandt, US passport)
NAME_OPENING_DEMOGRAPHIC = re.compile(
    rf"(?m)^{_NAME}(?=, (?:\d{{1,3}}(?:,| ?(?:y|yo|years?|[MF])\b)|(?:(?:US|UK|[A-Z][a-z]+) )?passport\b|DOB\b|born\b))"
)
# last name first after a name's label (Name: Okafor, Chidi; Patient: Tan, Mei-Ling; NAME: OKAFOR, CHIDI)
# (the label's colon may be left out: Patient Oyelaran, Folasade; Member Ramirez, Guadalupe; a family
# name with an apostrophe, O'Brien; a second given name in capitals, WILLIAMS, JOANNE ELIZABETH)
_SURNAME_WORD = rf"(?:[A-Z](?:'[A-Z])?[{_LOWER}]+|[A-Z](?:'[A-Z])?[A-Z]+)"
LAST_FIRST = re.compile(
    r"(?:\b(?:Patient|patient|Name|Pt|Member|Subscriber|Insured|Examinee|Employee|Client|Re|Pharmacist|"
    r"Decedent|Informant|Guarantor|Mother|Father|Guardian|Spouse|Infant|Wristband|Passport copy)"
    r"(?: [Nn]ame)?[ ]*:?[ ]*|\b(?:chart|record|file) of[ ]+|"
    r"(?:患者|姓名|联系人|被保险人)[ ]*[:：][ ]*)"
    rf"({_SURNAME_WORD}, (?:[A-Z][{_LOWER}]+|[A-Z]{{2,}})(?:-(?:[A-Z]?[{_LOWER}]+|[A-Z]{{2,}}))?"
    rf"(?: [A-Z]{{2,}}(?![a-z])| [A-Z]\.?)?)(?![\w-])"
)
# a Chinese name in pinyin, the family name in capitals, after a name's label (Patient Name: LIU Jianguo)
CAPS_FAMILY_FIRST = re.compile(
    r"\b(?:Patient|Name|Patient [Nn]ame|Full [Nn]ame|Insured|Member)[ ]*:[ ]*"
    rf"([A-Z]{{2,}} [A-Z][{_LOWER}]+(?:[ -][A-Z]?[{_LOWER}]+)?)(?![\w-])"
)
NAME_BEFORE_CUE = re.compile(
    _NAME
    + r"(?=,? (?:DOB|born|aged?|is an? \d+|\(\d+|\(DOB|SSN|MRN|passport|\d{1,3}-year-old)|, (?:MD|DO|RN|NP|PA-C|PhD|PharmD|RPh|DDS|DPT|MSW|LCSW|APRN|FNP|CRNA)\b|, \d{1,3} ?(?:[MF]|y/?o)\b"
    # a signature before a role (Jane Roe, ward nurse)
    r"|, (?:ward |charge |staff |night |day )?(?:nurse|doctor|physician)\b"
    r"| (?:presented|presents|reports|reported|arrived|underwent|denies|complains|was seen|was admitted)\b"
    r"|[ ]?[（(，,]?[\u4e00-\u9fff]{1,4}籍| was born\b| \((?:[A-Z]{2} )?passport\b|, [A-Z]{2} DL\b"
    # a study team's member before their role (Helen Zhao（CRA, ...）)
    r"|[ ]?[（(](?:CRA|CRC|PI|Sub-I|SC|CTA)\b)"
)
# a name speaking at a chat line's start, what it says opened by a word of conversation (Ahmed: hello, ...;
# Nurse Lin: yes of course; Zhao Wei: I can take it)
CHAT_SPEAKER = re.compile(
    rf"(?m)^(?:(?:Nurse|Dr\.?|Doctor) )?({_WORD_CAP}(?: {_WORD_CAP})?):[ ]+"
    r"(?=(?:hello|hi|hey|yes|yeah|yep|ok|okay|sure|great|thanks|thank you|sorry|no problem|good (?:morning|afternoon)|"
    r"I|I'm|I'll|we|my|subject|please)\b)"
)
# a surname alone after a title (Bed 6 – Mr. Gómez)
TITLE_SURNAME = re.compile(rf"\b(?:Mr|Mrs|Ms|Dr)\.?[ ]+([A-Z][{_LOWER}]{{2,}})(?![ -]?[A-Z\w])")


# a licence number after its cue, in any state's shape: letters and digit groups joined by hyphens or
# spaces (FL S530-460-58-312-0, NY 123 456 789, IL A123-4567-8901, TX 12345678); Presidio's own patterns
# stop at the first separator
LICENSE_AFTER_CUE = re.compile(
    r"(?i:driver'?s? licen[cs]e|driving licen[cs]e|\bDL)(?: (?i:no\.?|number|#))?[ ]*[:#]?[ ]*"
    r"([A-Z]{0,2}\d{1,9}(?:[ -]\d{1,9}){0,4})(?![\w-])"
)


def _licence(m: re.Match[str], text: str) -> float | None:
    digits = sum(ch.isalnum() for ch in m.group(1))
    return 0.85 if 7 <= digits <= 16 else None


def _sure(m: re.Match[str], text: str) -> float | None:
    return 0.85


# capitalized words that start sentences or name institutions, never a person's name
NOT_NAME_WORDS = frozenset(
    "The This That These Those His Her Their Our Your A An No Patient Emergency Department Hospital "
    "University College Clinic Center Centre Medical Medicine Health Care Service Services Unit Insurance "
    "Blue Cross Shield Family Primary General Internal Surgery Nursing Pharmacy Social History Physical "
    "Exam Plan Assessment Discharge Summary Portal Message Daughter Wife Husband Mother Father Brother Sister "
    "Niece Nephew Aunt Uncle Grandson Granddaughter Spouse Caregiver Guardian Called Claimant "
    "Office Operations Relations Intake Form Investigator".split()
)


def _given(m: re.Match[str], text: str) -> float | None:
    """A single given name opening a sentence: no pronoun, kinship or clinical noun, no abstract noun's
    ending."""
    return 0.85 if _name_word(m.group(1)) else None


def _city(m: re.Match[str], text: str) -> float | None:
    """A city's words are no institution or sentence words (Clinic, India is no city)."""
    return None if any(w in NOT_NAME_WORDS for w in re.split(r"[ ,-]+", m.group(1))) else 0.85


def _name_word(word: str) -> bool:
    return not (
        word in NOT_NAME_WORDS or word in NOT_GIVEN_WORDS or _NOT_NAME_ENDING.search(word.lower()) is not None
    )


def _name(m: re.Match[str], text: str) -> float | None:
    """A name's words are no sentence openers nor institution words (The Emergency Department reports)."""
    words = re.split(r"[ ,-]+", m.group(1))  # (an initial is no sentence word: GARCIA, LUIS A)
    return None if any(len(w) > 1 and re.sub(r"\d+$", "", w) in NOT_NAME_WORDS for w in words) else 0.85


def _speaker(m: re.Match[str], text: str) -> float | None:
    """A chat line's speaker: every word a name's (no label: Plan, Note, Reply)."""
    words = m.group(1).split()
    return 0.85 if all(_name_word(w) and w not in _LABEL_WORDS for w in words) else None


# the labels that open a line of a note or a form, before what they hold
_LABEL_WORDS = frozenset(
    "Plan Note Notes Comment Comments Reply Response Answer Question Update Reason Impression Subjective "
    "Objective Remarks Remark Action Outcome Status Summary Advice Instructions Translation Interpreter "
    "Caller Agent System Bot Operator Admin Staff Nurse Doctor User Patient Family Relative Visitor".split()
)


# a North American number written 212-555-0163 or (212) 555-0163 (area code and exchange not starting
# with 0 or 1) is a phone number without a cue; one written with dots or spaces only wants one
_NANP = re.compile(r"(?:\+1[ -]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}-)[2-9]\d{2}-\d{4}")


def _cued_phone(m: re.Match[str], text: str) -> float | None:
    if _NANP.fullmatch(m.group()):
        return CUE_SCORE
    return CUE_SCORE if near(text, m.start(), m.end(), _CUES["PHONE_NUMBER"], before=24) else None


class _EnglishRegex(RegexRecognizer):
    def __init__(self, entity: str, pattern: re.Pattern[str], group: int = 0) -> None:
        score = {"PHONE_NUMBER": _cued_phone, "PERSON": _name, "US_DRIVER_LICENSE": _licence}.get(
            entity, _sure
        )
        if pattern is CITY_COUNTRY:
            score = _city
        super().__init__(entity, pattern, score, group)
        self.supported_language = "en"


def english_recognizers() -> list[EntityRecognizer]:
    return [
        ContextScored(UsSsnRecognizer(), "US_SSN"),
        ContextScored(UsPassportRecognizer(), "US_PASSPORT"),
        ContextScored(UsLicenseRecognizer(), "US_DRIVER_LICENSE"),
        ContextScored(PhoneRecognizer(), "PHONE_NUMBER", windows=PHONE_CANDIDATE),
        DateRecognizer(),
        _EnglishRegex("PHONE_NUMBER", PHONE_SHAPE),
        _EnglishRegex("DATE_TIME", MONTH_DATE),
        _EnglishRegex("DATE_TIME", DAY_MONTH_AFTER, group=1),
        _EnglishRegex("LOCATION", STREET),
        _EnglishRegex("LOCATION", CITY_COUNTRY, group=1),
        _EnglishRegex("LOCATION", CITY_NAMED, group=1),
        _EnglishRegex("LOCATION", CITY_STATE_ZIP),
        _EnglishRegex("LOCATION", CN_ADDRESS_EN),
        _EnglishRegex("US_DRIVER_LICENSE", LICENSE_AFTER_CUE, group=1),
        EnglishNameRecognizer(),
    ]


class EnglishNameRecognizer(EntityRecognizer):
    """Names by the rules above, then every other mention in the same text of a found name's parts (Ms.
    Okafor ... Okafor's daughter; Rowan Ellery ... Rowan declined): a note names its patient in full once
    and by one part afterwards."""

    RULES = (
        (NAME_AFTER_CUE, _name),
        (NAME_BEFORE_CUE, _name),
        (GIVEN_AFTER_KIN, _name),
        (NAME_OPENING_LINE, _name),
        (GIVEN_OPENING, _given),
        (NAME_OPENING_DEMOGRAPHIC, _name),
        (LAST_FIRST, _name),
        (GIVEN_SIGN_OFF, _given),
        (TITLE_SURNAME, _given),
        (CAPS_FAMILY_FIRST, _name),
        (FULL_SIGN_OFF, _name),
        (GREETING, _given),
        (TEAM_ROW, _name),
        (BED_OCCUPANT, _name),
        (ADDRESSEE, _name),
        (CHAT_SPEAKER, _speaker),
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="en", name="PERSON_en_recognizer")
        # each rule's scan behind its pattern's prefilter (most lines hold no cue of most rules)
        self._rules = [(prefiltered(pattern), score) for pattern, score in self.RULES]

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans = [
            _without_leading_title(text, m.start(1), m.end(1))
            for scan, score in self._rules
            for m in scan(text)
            if score(m, text)
        ]
        parts = {
            w
            for s, e in spans
            for w in re.split(r"[ ,-]+", text[s:e])
            if len(w) >= 3 and w[0].isupper() and _name_word(w)
        }
        found = [RecognizerResult("PERSON", s, e, CUE_SCORE) for s, e in spans]
        for part in sorted(parts):
            # with the capitalized word next to it (Francesca Romano where Romano was found)
            for m in re.finditer(
                rf"(?<![\w'-])(?:([A-Z][{_LOWER}]+) )?{re.escape(part)}(?: ([A-Z][{_LOWER}]+))?(?![\w-])",
                text,
            ):
                start, end = m.start(), m.end()
                if m.group(1) and not _name_word(m.group(1)):
                    start += len(m.group(1)) + 1
                if m.group(2) and not _name_word(m.group(2)):
                    end -= len(m.group(2)) + 1
                if all(end <= s or e <= start for s, e in spans):
                    found.append(RecognizerResult("PERSON", start, end, 0.6))
        return found


# a title or a role word a cue's name may open with (To Dr Ma, Volunteer Li Haoran): no part of the name
_LEADING_TITLE = re.compile(
    r"(?:Dr|Mr|Mrs|Ms|Prof|Miss|Doctor|Nurse|Volunteer|Sister|Officer|Inspector|Sergeant|Constable|Grandma|"
    r"Grandpa)\.? (?=[A-Z][a-z])"
)


def _without_leading_title(text: str, start: int, end: int) -> tuple[int, int]:
    m = _LEADING_TITLE.match(text, start, end)
    return (m.end(), end) if m is not None and end - m.end() >= 2 else (start, end)


# ---- Latin names without a cue, in English and in Chinese text (issue #17, round 4) ----
# common given names, English and those of the foreign patients, students and staff met in Chinese
# clinics (Arabic, South and South-East Asian, African, European): a listed given name before a
# capitalized word is a full name (Sophie Dubois, Ahmed Karim), and one standing alone is a name
GIVEN_NAMES = frozenset(
    """Aaron Abby Abigail Adam Adrian Aiden Alan Albert Alex Alexander Alexandra Alice Alicia Alison
    Allison Amanda Amelia Amy Andrea Andrew Andy Angela Anita Ann Anna Anne Annie Anthony Antonio Arthur
    Ashley Audrey Austin Barbara Becky Bella Ben Benjamin Betty Beverly Bianca Bobby Brandon Brenda
    Brian Brittany Bruce Bryan Caitlin Cameron Carl Carlos Carmen Carol Caroline Catherine Cathy Cecilia
    Charles Charlie Charlotte Chelsea Chloe Chris Christian Christina Christine Christopher Cindy Claire
    Clara Connor Craig Cynthia Daisy Daniel Danny David Deborah Debra Denise Dennis Derek Diana Diane
    Donald Donna Dorothy Douglas Dylan Edward Eileen Elaine Eleanor Elena Elizabeth Ella Ellen Emily Emma
    Eric Erica Erin Ethan Eva Evelyn Fiona Gary George Gloria Grace Gregory Hannah Harry Heather Helen
    Henry Isaac Isabella Jack Jacob Jake James Jane Janet Jasmine Jason Jeffrey Jennifer Jenny Jeremy
    Jerry Jess Jessica Jill Joan Joanna Joe John Johnny Jonathan Joseph Joshua Joyce Judith Judy Julia
    Julian Julie Justin Karen Kate Katherine Kathy Katie Keisha Kelly Kelsey Kenneth Kevin Kim Kyle Laura
    Lauren Leo Leon Linda Lisa Logan Louis Lucas Lucy Luke Mandy Margaret Maria Marie Mark Martin Mary
    Matthew Megan Melissa Michael Michelle Mike Molly Monica Nancy Natalie Nathan Nicholas Nick Nicole
    Noah Oliver Olivia Oscar Patricia Patrick Paul Peter Philip Rachel Raymond Rebecca Richard Robert
    Robin Ronald Ruth Ryan Samantha Samuel Sandra Sara Sarah Scott Sean Sharon Simon Sophia Sophie
    Stephanie Stephen Steven Susan Tammy Teresa Thomas Tiffany Timothy Tina Tom Tony Tracy Tyler Valerie
    Vanessa Victoria Vincent Vivian Walter Wendy William Zoe
    Ahmed Ahmad Ali Amir Fatima Hassan Hussein Karim Khalid Mohammed Muhammad Mohamed Omar Yusuf Aisha
    Layla Priya Ravi Raj Rahul Anil Sunita Deepak Arjun Aditya Ananya Siti Nur Aminah Putri Budi Hiroshi
    Takeshi Yuki Kenji Haruto Sakura Yuko Minjun Jiwoo Dmitri Ivan Olga Natasha Sergei Anastasia Pierre
    Jean Louise Hans Klaus Lukas Giulia Marco Luca Pablo Diego Juan Jose Luis Sofia Lucia Ana Naledi
    Thabo Chidi Kwame Amara Fatou Mei Ling Kai Lena Nadia Leila Samir Tariq Zara""".split()
)
# given names that are everyday English words, or a drug's, a place's or a unit's word: names only
# before a surname or after a person's cue, never standing alone
_WORDLIKE_GIVEN = frozenset(
    "Grace Mark Jack Kim Bobby Joe Nick Mike Robin Ali Nur Jean Mei Ling Kai Ivan Jess Ann Tom "
    "Carol Will May June April Hope Joy Faith Rose Lily Sunny Summer Holly Ivy Jade Ruby Amber Crystal "
    "Dawn Angel Max Ray Frank Bill Pat Guy Art Bo Lauren Louis Victoria Sandra Eva Luca".split()
)
_LOWER_VI = _LOWER + "ăđĩũơưạ-ỹ"
_CAP_WORD = rf"[A-ZÀ-ÖØ-ÞĐ][{_LOWER_VI}]+"
# a listed given name, an initial may follow, then one or two capitalized surnames (a hyphen may join
# two: Zhang-Morrison); no third capitalized word after it (a hospital's or a company's name)
GIVEN_SURNAME = re.compile(
    rf"(?<![\w'-])([A-Z][a-z]+)(?: [A-Z]\.)? ((?:Mc|Mac|O')?{_CAP_WORD}(?:-{_CAP_WORD})?)(?![\w'-])"
    rf"(?! (?:{_CAP_WORD}))"
)
# a Vietnamese name: a family name, a middle name and one or two given names (Nguyễn Thị Hoa)
VIETNAMESE_NAME = re.compile(
    rf"(?<![\w'-])(?:Nguyễn|Nguyen|Trần|Tran|Lê|Phạm|Pham|Hoàng|Hoang|Huỳnh|Huynh|Võ|Vũ|Vu|Đặng|Dang|Bùi|Bui|"
    rf"Đỗ|Do|Ngô|Ngo|Dương|Duong|Phan)(?: {_CAP_WORD}){{2,3}}(?![\w'-])"
)
# pinyin syllables, and the family names written in pinyin that open or close a Chinese name in Latin
# letters (Zhao Lin, Xie Yutong; Helen Zhou where the given name is listed)
_PINYIN = frozenset(
    """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao
    ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chuai chuan chuang chui chun
    chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dian diao die ding diu
    dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao
    ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong
    hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
    ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le
    lei leng li lia lian liang liao lie lin ling liu long lou lu lv luan lue lun luo ma mai man mang mao
    me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian
    niang niao nie nin ning niu nong nou nu nv nuan nue nuo o ou pa pai pan pang pao pei pen peng pi
    pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran
    rang rao re ren reng ri rong rou ru ruan rui run ruo sa sai san sang sao se sen seng sha shai shan
    shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su
    suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa
    wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan
    yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai
    zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou
    zu zuan zui zun zuo""".split()
)
PINYIN_SURNAMES = frozenset(
    """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng Liang Xie
    Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan Jiang Cai Yu Du Ye Cheng Wei Su Lv Ding
    Ren Shen Yao Lu Cui Zhong Tan Jia Liao Fan Fu Fang Bai Zou Meng Xiong Qin Qiu Jin Yin Xue Yan Duan
    Lei Hou Long Shi Tao Hao Gu Mao Qian Kong Shao Wan Qu Kang Mo Xiang Ou Qi Ran Pu Gong Ni Nie""".split()
)
# a pair's first word that is an English word as often as a family name (He, Long, Sun, Fan), and a
# second word that closes a place's, a road's or a Chinese medicine's name (Jiang Bei, Jiefang Lu, Gui Pi
# Tang, Xi An)
_NOT_PINYIN_FIRST = frozenset(
    "He She Men Long Ban Can Pan Fan Hang Sun Dang Gang Bang Tang Wan San Dan Pin Ding Ma Mao Tan Hong Xi An "
    "Nan Bei Guan Ping Tai Wu Bao Ya".split()
)
_NOT_PINYIN_SECOND = frozenset(
    "Lu Jie Qu Zhen Cun Xian Tang Wan San Gao Yin Bei Nan Xi Dong Shan Jiang Hu Men Kong Dao An Ling Zi Cao "
    "Hua Ren Qi Pian".split()
)


def _pinyin_word(word: str, most: int = 3) -> bool:
    """``word`` (capitalized) is one to ``most`` pinyin syllables (Yutong, Xiaoqing)."""
    w = word.lower()
    if not w.isascii() or not w.isalpha():
        return False
    # the fewest syllables that spell it (a word no syllables spell has no entry for its length)
    best = {0: 0}
    for i in range(1, len(w) + 1):
        options = [best[j] + 1 for j in range(max(0, i - 6), i) if j in best and w[j:i] in _PINYIN]
        if options:
            best[i] = min(options)
    return best.get(len(w), most + 1) <= most


PINYIN_PAIR = re.compile(
    r"(?<![\w'.-])(?<![A-Z][a-z] )(?<![A-Z][a-z]{2} )(?<![A-Z][a-z]{3} )([A-Z][a-z]{1,6}) ([A-Z][a-z]{1,9})"
    r"(?![\w'-])(?! [A-Z][a-z])"
)
# a single listed given name, or a pinyin given name, after a word naming a person's role or opening a
# self-introduction (Agent Vivian, volunteer Kelly, HR Cindy, Nurse Xiaoqing; I'm Jake, it's Grace)
_SINGLE_CUE = re.compile(
    r"(?:\b(?:[Aa]gent|[Vv]olunteer|HR|[Nn]urse|[Hh]ead nurse|[Cc]ounsellor|[Cc]ounselor|[Aa]udiologist|"
    r"[Ss]ocial worker|[Cc]oordinator|[Uu]ser|[Cc]lient|[Uu]ncle|[Aa]unt(?:ie)?|[Dd]r\.?|Mrs?\.?|Ms\.?|"
    r"[Oo]fficer|[Ii]nspector|[Ss]ergeant|[Cc]onstable|Grandma|Grandpa|Granny|Grandmother|Grandfather)"
    r"|\b(?:I'm|I am|it's|this is|[Hh]i|[Hh]ello|[Dd]ear))[ ]*:?[ ]+[\"“]?([A-Z][a-z]+)\b(?![\w'-])"
)
# a Latin name right before a Chinese form of address (请问是Smith先生吗, Anna Berg女士)
# (two words only after a listed given name: no shop's or brand's name, Apple Store); read back from each
# form of address a lower-case letter stands before
HONORIFIC = re.compile(r"(?<=[a-z])(?:先生|女士|小姐|太太)(?!们)")
LATIN_BEFORE_HONORIFIC = re.compile(r"(?<![A-Za-z'-])(?:([A-Z][a-z]+) )?([A-Z][a-z]{2,})$")
# a Chinese surname in Chinese characters after an English title (Dr. 程)
TITLE_CJK_SURNAME = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof)\.?[ ]?([\u4e00-\u9fff])(?![\u4e00-\u9fff])")


def latin_names(text: str) -> list[tuple[int, int]]:
    """Latin names that need no cue: a listed given name alone or before a surname, a Vietnamese name,
    a pinyin pair holding a family name, a single name after a person's role or a greeting, a Chinese
    surname after an English title; then every other mention of a found name in the same text."""
    if _LATIN_CAPITAL.search(text) is None:
        return []  # (a text with no capital letter holds none of these)
    spans: list[tuple[int, int]] = []
    for m in GIVEN_SURNAME.finditer(text):
        given, family = m.group(1), m.group(2)
        if given in _WORDLIKE_GIVEN:  # (Rose Bengal, May-Thurner, Crystal Violet: only Lily Wang)
            if family not in PINYIN_SURNAMES:
                continue
        elif given not in GIVEN_NAMES:
            continue
        if any(w in NOT_NAME_WORDS or w in NOT_GIVEN_WORDS for w in family.split("-")):
            continue
        if _NOT_NAME_ENDING.search(family.lower()) or family in _LABEL_WORDS:
            continue
        spans.append(m.span())
    spans += [m.span() for m in VIETNAMESE_NAME.finditer(text)]
    for m in PINYIN_PAIR.finditer(text):
        first, second = m.group(1), m.group(2)
        if not (_pinyin_word(first) and _pinyin_word(second)):
            continue
        if second in _NOT_PINYIN_SECOND:
            continue
        if first in _NOT_PINYIN_FIRST:
            # (a family name that is an English word, before a two-syllable given name: Tan Xiaolong)
            if first in PINYIN_SURNAMES and _pinyin_word(second, 2) and not _pinyin_word(second, 1):
                spans.append(m.span())
        elif first in PINYIN_SURNAMES and _pinyin_word(second, 2):
            spans.append(m.span())
        elif second in PINYIN_SURNAMES and _pinyin_word(first, 2):
            spans.append(m.span())  # given name first (Xiang Li)
    for m in _SINGLE_CUE.finditer(text):
        word = m.group(1)
        if word in GIVEN_NAMES or word in _WORDLIKE_GIVEN:
            spans.append(_with_second_part(text, m.start(1), m.end(1)))
        elif (
            _pinyin_word(word, 2)
            and len(word) > 2
            and (word in PINYIN_SURNAMES or word not in _NOT_PINYIN_FIRST)
        ):
            spans.append(_with_second_part(text, m.start(1), m.end(1)))
    for m in _LONE_GIVEN.finditer(text):
        if m.group(1) in GIVEN_NAMES and m.group(1) not in _WORDLIKE_GIVEN:
            before = _WORD_BEFORE.search(text, max(0, m.start() - 24), m.start())
            if before is None or not before.group(1)[0].isupper() or before.group(1) in _TITLE_WORDS:
                spans.append(m.span(1))
    spans += [m.span(1) for m in TITLE_CJK_SURNAME.finditer(text)]
    for h in HONORIFIC.finditer(text):
        window = max(0, h.start() - 40)
        latin = LATIN_BEFORE_HONORIFIC.search(text[window : h.start()])
        if latin is not None and _name_word(latin.group(2)) and latin.group(2) not in _LABEL_WORDS:
            s, e = latin.span() if latin.group(1) in GIVEN_NAMES else latin.span(2)
            spans.append((window + s, window + e))
    # (a Latin gloss in brackets right after a name in Chinese characters: 约翰·史密斯（John Smith）, left
    # to the Chinese recognizer's own reading)
    spans = [(s, e) for s, e in _outermost(spans) if not _GLOSS_BEFORE.search(text, max(0, s - 3), s)]
    names = {text[s:e] for s, e in spans if e - s >= 3 and not CJK_ONE.fullmatch(text[s:e])}
    for name in names:
        for m in re.finditer(rf"(?<![\w'-]){re.escape(name)}(?![\w'-])", text):
            spans.append(m.span())
    return _outermost(spans)


_LATIN_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-ÞĐ]")
# a second capitalized part after a single name a role or a greeting stands before (volunteer Jin Hua,
# Nurse Mori Kaori), a hyphenated one too (Lee Sang-woo)
_SECOND_PART = re.compile(r" ([A-Z][a-z]{1,10}(?:-[a-z]{1,5})?)(?![\w'-])")


def _with_second_part(text: str, start: int, end: int) -> tuple[int, int]:
    """The single name's span, grown by a capitalized second part that is no label, title or common
    capitalized word."""
    m = _SECOND_PART.match(text, end)
    if m is None:
        return start, end
    part = m.group(1)
    if part in NOT_NAME_WORDS or part in NOT_GIVEN_WORDS or part in _TITLE_WORDS or part in _LABEL_WORDS:
        return start, end
    return start, m.end()


CJK_ONE = re.compile(r"[\u4e00-\u9fff]")
# a lone given name: no capitalized word or title's abbreviation next to it (Robert James Collins, St.
# Louis), a possessive may follow (Kevin's mum)
_LONE_GIVEN = re.compile(r"(?<![A-Za-z'-])([A-Z][a-z]{2,})(?![A-Za-z-])(?!'(?!s\b))(?! [A-Z][a-z])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*) $")
# the capitalized words a lone given name may follow (a title, a role, a greeting)
_TITLE_WORDS = frozenset(
    "Pt Dr Dr. Nurse Agent HR Mom Dad Uncle Aunt Auntie Client RN Hi Dear Hello Thanks Patient Mr Mrs Ms Mr. "
    "Mrs. Ms. Miss Baby".split()
)
_GLOSS_BEFORE = re.compile(r"[\u4e00-\u9fff][ ]?[（(]$")


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans none other contains or overlaps from before, longest first."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans), key=lambda p: (p[0], -p[1])):
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out
