"""What a founder's question asks: its parts, the kind of answer each wants, and their situation.

"We're a Ghent startup with a CE-marked class IIa app for COPD. What are the next steps to get
reimbursed, and how long does it take?" holds a situation (a statement, not a question) and two
questions: the ordered steps, and a duration. Retrieval and answer composition work per part; the
situation is read into typed facts (class, CE marking, condition, setting) that later steps use,
and its names (a city, a disease, a product) are not mistaken for the subject of the question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from ..conversation import contextualise

# Kinds of answer, in the order a part's kind is decided when several cues match: the most
# specific first ("how long is the procedure?" wants a duration, not the steps).
INTENTS = ("decline", "comparison", "cost", "duration", "date", "yesno", "documents", "who", "steps",
           "definition", "general")

_CUES: dict[str, str] = {
    "comparison": r"\bdiff[eé]ren(?:ce|t)|\bverschil|\bversus\b|\bvs\.?\s|\bcompar|\bvergelek|\bvergelijk|"
                  r"\bor\b.*\bwhich\b|\bou\b.*\blequel\b",
    # A cost-effectiveness model or a "coût-efficacité" threshold is evidence, not a price.
    "cost": r"\bhow much\b(?!\s+time)|\bcost(?![- ]?(?:effective|benefit|utility|efficien))|\bfee\b|\bfees\b|\bprice|\bpay\b|\bcombien (?:co[uû]t|ça co[uû]t|faut-il payer)|"
            r"\bco[uû]te?s?\b|\bco[uû]t\b|\bfrais\b|\bprix\b|\btarif|\bpayer\b|\bpayant|\bhoeveel kost|\bkost(?:en|t|prijs)?\b|"
            r"\bprijs\b|\bretributie|\bbetalen\b|\bgratis\b|\bgratuit|\bhow many euros?\b|\bcombien d.euros?\b|\bhoeveel euro\b|"
            # "combien on toucherait par patient ?", "hoeveel krijgen we?": an amount received.
            r"\bcombien\b.{0,30}\b(?:touch|re[çc]oi|recev|gagn|rapport|factur)\w*|\b(?:touch|re[çc]oi|recev|gagn|rapport|factur)\w*\s+combien\b|"
            r"\bhoeveel\b.{0,30}\b(?:krijg|ontvang|verdien|opbreng)\w*|\btarie[fv]|\bhoeveel (?:vraagt|vragen|rekent)\b|"
            # "le forfait tourne autour de combien ?" asks an amount; "il y en a combien ?" a count.
            r"\b(?:forfait|montant|bedrag|amount)\w*\b.{0,60}\b(?:combien|hoeveel)\b|"
            r"\b(?:combien|hoeveel)\b.{0,60}\b(?:forfait|montant|bedrag)",
    "duration": r"\bhow (?:long|quickly|fast|soon)\b|\bhow much time\b|\bhow many (?:days|weeks|months|years)\b|"
                r"\bcombien (?:de |d')(?:mois|semaines|jours|ann[ée]es|ans)\b|\bhoeveel (?:maanden|weken|dagen|jaar|jaren)\b|"
                r"\bcombien de temps\b|\bd[ée]lais?\b|\ben combien de\b|\bprend(?:re)? combien\b|\bdur[ée]e\b|"
                r"\bhoe (?:lang|snel)\b|\bhoeveel tijd\b|\btermijn|\bduur(?:t|tijd)?\b|\btimeline|\bdeadline|\btime ?frame",
    "date": r"\bwhen\b|\bsince when\b|\bwhat date\b|\bwhich year\b|\bquand\b(?!\s+m[eê]me)|\bdepuis quand\b|\bquelle date\b|"
            r"\bà partir de quand\b|\bwanneer\b|\bsinds wanneer\b|\bvanaf wanneer\b|\bwelke datum\b|\bin welk jaar\b|"
            r"\b20\d\d\s+(?:or|ou|of)\s+20\d\d\b|"  # "compliant in 2027 or 2029?"
            r"\bearliest\b|\bau plus t[oô]t\b|\bten vroegste\b|\bop (?:zijn|het) vroegst\b",
    "yesno": r"^(?:so |and |but |ok |okay |et |mais |donc |alors |en |maar |dus )?(?:can|could|may|must|should|do|does|did|is|are|"
             r"will|would|have|has|puis|peut|peux|pouvons|pourrait|pourrions|dois|doit|devons|faut|est-ce|est-il|"
             r"sommes|suis|avons|ai|a-t-on|y a-t-il|kan|kunnen|mag|mogen|moet|moeten|is|zijn|heb|hebben|"
             r"heeft|geldt|valt|vallen|krijg|krijgen)\b",
    "documents": r"\bdocuments?\b|\bpaperwork\b|\bevidence\b|\bproofs?\b|\bdossier(?! (?:patient|m[ée]dical|informatis))|\bwhat (?:do|must|should) (?:i|we) "
                 r"(?:provide|submit|send|prepare)|\bpi[eè]ces?\b|\bpreuves?\b|\bjustificatif|\bfournir\b|"
                 r"\bdocumenten\b|\bbewijs|\bbewijzen\b|\bindienen\b|\baanleveren\b|\bbezorgen\b|\bformulier|\bformulaire|\bform\b|"
                 r"\btemplate|\bmod[eè]le\b|\bsjabloon|\bpr[ée]parer\b|\bprepare\b|\bbring\b|\bapporter\b|"
                 r"\bvoorbereiden\b|\bmeebrengen\b|\bklaarmaken\b",
    # "qui" opening a part or after a preposition: "les étapes qui restent" is not asking who.
    "who": r"\bwho\b|\bwhom\b|\bwhich (?:body|bodies|authority|organi[sz]ation|agency|institution)|"
           r"^(?:et |mais |donc |alors |ok )?qui\b|\b(?:à|a|par|de|chez|avec|pour) qui\b|\bc'est qui\b|"
           r"\bquel(?:le)?s? (?:organisme|autorit[ée]|institution|instance|administration)|\bwie\b|"
           r"\bwelke (?:instantie|instelling|organisatie|overheid|administratie)|\bto whom\b|\bà qui\b|\bbij wie\b|"
           r"\bcontact",
    "steps": r"\bnext steps?\b|\bwhat (?:now|next)\b|\bwh?at'?s (?:now|next)\b|\bwhat nxt\b|\bsteps?\b|\bprocedure|\bthe process\b|\broad ?map|\broute\b|"
             r"\bin what order\b|\bhow (?:do|can|should|would) (?:i|we|you|one)\b|\bhow to\b|\bwhere (?:do|should) (?:i|we) start|"
             r"[ée]tapes?\b|\bla suite\b|\bque (?:faut-il|dois-je|devons-nous) faire\b|\bque faire\b|\bcomment\b|"
             r"\bmarche à suivre\b|\bproc[ée]dure|\bdans quel ordre\b|\bpar où commencer\b|\bvolgende stap|\bstappen\b|"
             r"\bwat nu\b|\bhoe (?:krijg|krijgen|vraag|vragen|begin|beginnen|dien|dienen|pak|pakken|gaan|gaat|moet|moeten|kan|kunnen|raak|geraak)\b|"
             r"\bsequence\b|\bs[ée]quence\b|\bencha[iî]n\w*|\bstappenplan\b|\bpathway\b|\bparcours\b|\bwelke volgorde\b|\bwat (?:moeten|moet|kunnen) (?:we|wij|ik)\b.{0,25}\bdoen\b|\bwhat (?:do|should|must|can) (?:i|we) (?:need to |have to )?do\b|"
             r"\bpar quoi (?:on |je |nous )?commence\w*|\bcommencer par quoi\b|\bwaar(?:mee)? (?:moeten (?:we|wij) )?(?:beginnen|starten)\b|"
             r"\bqu.est-ce qu.(?:on doit|il faut|nous devons) faire\b|\bon fait quoi\b|\btraject\b|\b(?:how|hoe|comment)\s*\?\s*$",
    "definition": r"\bwhat (?:is|are|'s|does\b.*\bmean)|\bwhat's\b|\bmeaning of\b|\bqu'est-ce qu|\bc'est quoi\b|\bc quoi\b|"
                  r"\bque (?:signifie|veut dire)\b|\bça veut dire\b|\bwat (?:is|zijn|betekent|houdt)\b|\bwat wil .* zeggen\b",
}
INTENT_CUES = {intent: re.compile(pattern, re.I) for intent, pattern in _CUES.items()}

# Requests this assistant does not serve, whatever they mention: writing on demand and chit-chat.
_DECLINE = re.compile(
    r"\b(?:write|compose|make up|tell)\b.{0,30}\b(?:poem|limerick|song|story|joke|haiku|rap|speech)s?\b|"
    r"\b(?:poem|limerick|haiku)\b|"
    r"\b(?:[ée]cri[st]|r[ée]dige|compose|invente|raconte)\b.{0,30}\b(?:po[eè]me|chanson|histoire|blague|conte|discours)s?\b|"
    r"\bpo[eè]me\b|\b(?:schrijf|maak|vertel|verzin)\b.{0,30}\b(?:gedicht(?:je)?|lied(?:je)?|verhaal|verhaaltje|mop|grap|moppen)\b|"
    r"\bgedicht(?:je)?\b|\b(?:tell|vertel|raconte)\b.{0,15}\b(?:joke|mop|blague)\b|"
    # Writing or translating on demand: a marketing plan, a post, our privacy policy.
    r"\b(?:write|draft|compose|r[ée]dige[rz]?|[ée]cri[rstv]\w*|schrijf|schrijven|maak|opstellen)\b.{0,30}\b(?:marketing ?plan|"
    r"plan marketing|business ?plan|LinkedIn|blog ?post|press release|communiqu[ée] de presse|persbericht|pitch ?deck|newsletter|"
    r"nieuwsbrief|tweet)\b|"
    # "a catchy marketing email for the launch", "un slogan"
    r"\b(?:marketing|promo\w*|sales|commercia\w*|catchy|accrocheu\w*|pakkend\w*|wervend\w*)\s+(?:e-?mails?|mails?|courriels?|"
    r"slogans?|taglines?|posts?|texts?|teksts?|textes?|copy)\b|"
    # asked for, not talked about ("may our slogan say 'reimbursed by INAMI'?")
    r"\b(?:write|find|invent|suggest|come up with|propos\w*|trouve\w*|invente\w*|r[ée]dige\w*|bedenk\w*|verzin\w*|maak|schrijf)\b"
    r".{0,30}\b(?:slogan|tagline)s?\b|"
    r"\b(?:e-?mails?|mails?|courriels?|textes?|posts?)\s+(?:promotionnel\w*|publicitaire\w*|commercia\w*|marketing)\b|"
    r"\b(?:marketing ?plan|plan marketing|business ?plan|LinkedIn[- ]post|blog ?post|press release|persbericht|pitch ?deck|"
    r"newsletter|nieuwsbrief)\b.{0,30}\b(?:write|draft|schrijven|schrijf|r[ée]diger|[ée]crire|opstellen|maken)\b|"
    r"^\W*(?:can|could|would) you\b.{0,10}\btranslate\b|^\W*(?:pouvez-vous|peux-tu|pourriez-vous)\b.{0,10}\btradui\w*|"
    r"^\W*(?:kun|kunt|kan) (?:je|u|jij)\b.{0,10}\bvertal\w*|^\W*(?:kun|kunt|kan|kunnen) (?:je|u|jij|jullie)\b.{0,80}\bvertalen\b",
    re.I)
_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|bonjour|salut|coucou|hallo|hoi|dag|goedendag)\b[\s,!.]*(?:there\b)?[\s,!.]*"
    r"(?:how are you|how's (?:it|your day) going|how is your day|(?:comment )?(?:[çc]a va|vas-tu|allez-vous)|tu vas bien|"
    r"hoe gaat het(?: met je| met jou)?|alles goed)?[\s,!.?]*(?:today|aujourd'hui|vandaag)?[\s,!.?]*$", re.I)

# Subjects outside market access and reimbursement of digital health, whatever else the question
# mentions: the weather, a startup's finances and taxes, the price of ordinary care or medicines.
_OFF_TOPIC = re.compile(
    # A care provider's own INAMI number ("hoe vraag ik een RIZIV-nummer aan als kinesitherapeut?").
    r"\b(?:(?:INAMI|RIZIV|NIHDI)[- ]?(?:number|nummer|num[ée]ro)|num[ée]ro (?:INAMI|d.agr[ée]ment))\b.{0,60}\b(?:kin[ée]\w*|physio\w*|"
    r"m[ée]decins?|arts|artsen|dokter|doctors?|verpleeg\w*|infirmi\w*|nurses?|afgestudeerd\w*|dipl[ôo]m[ée]\w*|graduat\w*|"
    r"zorgverleners?|prestataires?)|\b(?:kin[ée](?:sith\w*)?|kinesitherapeut\w*|verpleegkundigen?|infirmi[eè]re?s?|m[ée]decins?|physiotherapist|afgestudeerde?|jeune dipl[ôo]m[ée]e?|"
    r"newly qualified|fresh graduate)\b.{0,60}\b(?:(?:INAMI|RIZIV|NIHDI)[- ]?(?:number|nummer|num[ée]ro)|num[ée]ro (?:INAMI|d.agr[ée]ment))\b|"
    r"\bweather\b|\bm[ée]t[ée]o\b|\bquel temps\b|\bweer(?:bericht)?\b|"
    r"\bfund ?rais|\blev[ée]e de fonds\b|\bbusiness angels?\b|\bventure capital\b|\bstock options?\b|\bwarrants?\b|"
    r"\bequity\b|\bvaluation\b|\bkapitaalronde\b|\binvesteerders?\b|\bactionna|\baandeelhouder|"
    r"\baccounting\b|\bcomptab|\bboekhoud|\bboeken we\b|\bafschrijv|\bamortis|\bdepreciat|\btax(?:es)?\b|\bimp[ôo]ts?\b|"
    r"\bbelasting|\bfiscal|\bfiscaal|\bVAT\b|\bTVA\b|\bbtw\b|"
    # Employment and company law.
    r"\bcontrats? de travail\b|\bemployment contracts?\b|\barbeids(?:contract|overeenkomst)\w*|\bsalar(?:y|ies|ire)\b|"
    r"\bvakantiedagen\b|\bcong[ée]s pay[ée]s\b|\bwork permits?\b|\bpermis de travail\b|\bwerkvergunning\w*|"
    r"\bstatut juridique\b|\bforme juridique\b|\blegal form\b|\brechtsvorm\b|"
    r"\b(?:SRL|SA|BV|NV|SAS)\s+(?:ou|or|of)\s+(?:une\s+|a\s+|een\s+)?(?:SRL|SA|BV|NV|SAS)\b|"
    # A person's own health: symptoms, emergencies.
    r"\b(?:appeler|call|bellen|composer)\b.{0,10}\b(?:le |de |het )?(?:112|911|999)\b|"
    r"\b(?:aller|go|gaan)\b.{0,15}\b(?:aux urgences|to (?:the )?(?:ER|A&E|emergency room)|naar (?:de )?spoed)\b|"
    r"\b(?:quels sont les|what are the|wat zijn de)\s+(?:premiers |first |early |eerste )?(?:sympt[oô]mes|symptoms|symptomen)\b", re.I)
_ORDINARY_CARE = re.compile(
    r"\bconsultations?\b|\braadpleging|\bconsult\b|\bGP\b|\bgeneral practitioner|\bg[ée]n[ée]raliste|\bhuisarts|"
    r"\bdentist|\bdentiste|\btandarts|\bpharmac(?:y|ie)\b|\bapothe(?:ek|ker)|\bchemist\b|\bmedicines?\b|"
    r"\bm[ée]dicaments?\b|\bgeneesmiddel|\binsulin[e]?\b|\bparac[ée]tamol|\bdafalgan|\bibuprof|"
    r"\bIRM\b|\bMRI\b|\bCT[- ]?scan|\bscanner\b|\bradiograph\w*|\b[ée]chographie|\bechografie|\bprise de sang\b|"
    r"\bbloedafname\b|\bsupplements?\b|\bcompl[ée]ments? alimentaires?\b|\bvoedingssupplement\w*|\bcosm[ée]ti\w*", re.I)
_DIGITAL = re.compile(r"\bapps?\b|\bappli|\bapplication|\bsoftware|\blogiciel|\bdevice|\bdispositif|\bhulpmiddel|"
                      r"\bCE\b|\bm-?health|\be-?health|\btelemonitoring|\bt[ée]l[ée]surveillance|\bdigital|\bnum[ée]rique|"
                      r"\bdigita|\bplatform|\bplateforme|\bsensor|\bcapteur|\bwearable|\bobjet connect|\bchatbot|"
                      r"\balgorit|\bMDR\b|\bDPIA\b|\bAIPD\b|\bGEB\b|\bGDPR\b|\bRGPD\b|\bAVG\b|\bdata\b|\bdonn[ée]es\b|"
                      r"gegevens\b", re.I)
# Other countries' procedures and bodies: named in a question (not in the situation a founder
# describes, "our app is made in the Netherlands"), the question is about them.
_FOREIGN = re.compile(
    r"\b(?:germany|allemagne|duitsland|deutschland|german|allemande?|duitse|france|french|fran[çc]aise?|frankrijk|"
    r"netherlands|pays-bas|nederland|dutch|n[ée]erlandaise?|usa|u\.s\.|united states|[ée]tats-unis|verenigde staten|"
    r"america|am[ée]rique|amerika|uk|england|angleterre|engeland|britain|canada|qu[ée]bec|switzerland|suisse|zwitserland|"
    r"spain|espagne|spanje|italy|italie|itali[ëe]|luxemb\w*|luxemburg\w*|austria|autriche|oostenrijk|"
    r"sweden|su[èe]de|zweden|denmark|danemark|denemarken|fda|510\(?k\)?|bfarm|diga|pecan|nhs|zorginstituut|"
    # France's HAS and England's NICE only in capitals: "who has to register?", "nice to have".
    r"zorgverzekeraars?|(?-i:HAS\b)|(?-i:NICE\b))", re.I)

# Belgian bodies and Belgium itself: a part naming one asks about the Belgian route.
_BELGIAN_BODY = re.compile(r"\b(?:INAMI|RIZIV|NIHDI|AFMPS|FAGG|FAMHP|mHealthBelgium|eHealth|Belgi(?:um|que|[eë])|belges?|Belgische?|"
                           r"Belgian)\b", re.I)
# A country named as where something comes from ("a cost-effectiveness study from the
# Netherlands", "made in Germany") is not a question about that country's procedure.
_ORIGIN = re.compile(r"\b(?:from|uit|van|provenant d[eu]s?|venant d[eu]s?|made in|gemaakt in|based in|gevestigd in|"
                     r"obtenue? (?:en|aux?)|obtained in|granted in|issued in|d[ée]livr[ée]e? (?:en|aux?)|verkregen in|behaald in|"
                     r"certifi(?:ed|[ée]e?) (?:in|en|aux?)|gecertificeerd in|approved in|cleared in|"
                     r"bas[ée]e?s? (?:en|aux|au))\s+(?:the |de |het |les |la |l')?$", re.I)
# "Can a Dutch manufacturer apply to INAMI?": the nationality of the asker, not another country's
# procedure.
_OWNER = re.compile(r"\s+(?:\w+\s+)?(?:company|companies|manufacturers?|start-?ups?|firms?|apps?|distributors?|"
                    r"entreprises?|fabricants?|soci[ée]t[ée]s?|bedrijf|bedrijven|fabrikanten?|verdelers?|scale-?ups?)\b",
                    re.I)
_OWNER_BEFORE = re.compile(r"\b(?:start-?up|entreprise|soci[ée]t[ée]|fabricant|firme|bo[iî]te|appli(?:cation)?|app|distributeur|"
                          r"scale-?up|PME)\s+$", re.I)  # French puts the nationality after: "une start-up française"
# "French, Dutch and German", "une version allemande", "in het Nederlands": a language (the app's
# interface must be in Belgium's three), not another country's procedure.
_LANGUAGE_FORM = re.compile(r"german|allemande?|duitse|french|fran[çc]aise?|dutch|n[ée]erlandaise?", re.I)
_LANGUAGE_NAME = (r"(?:french|dutch|german|english|fran[çc]ais|n[ée]erlandais|allemand|anglais|frans|nederlands|duits|"
                  r"engels)")
_LANGUAGE_BEFORE = re.compile(rf"(?:\b(?:in|into|en|in het|naar het|version|versie|traduction|translation|traduire|"
                              rf"vertalen|vertaling|interface)\s+|\b{_LANGUAGE_NAME}\s*(?:,|and|et|en|or|ou|of|\+|/)\s*)$", re.I)
_LANGUAGE_AFTER = re.compile(rf"^\s*(?:(?:versions?|translations?|interfaces?|languages?|speaking|versies?|vertaling\w*)\b|"
                             rf"(?:,|and|et|en|or|ou|of|\+|/)\s*{_LANGUAGE_NAME}\b)", re.I)


def _as_language(text: str, match: re.Match) -> bool:
    name = match.group(0)
    if name.lower() == "nederland":  # "in het Nederlands" is the language, "in Nederland" the country
        return text[match.end():match.end() + 1].lower() == "s"
    return bool(_LANGUAGE_FORM.fullmatch(name)) and bool(
        _LANGUAGE_BEFORE.search(text[max(0, match.start() - 30):match.start()]) or _LANGUAGE_AFTER.match(text[match.end():]))


# "Is there something like DiGA in Germany here?" asks about Belgium, with a scheme for comparison.
# "Can we use a notified body in Germany?", "our servers in Frankfurt", "a Dutch study": where a
# provider, a server or a study is, not another country's procedure.
_PROVIDER_BEFORE = re.compile(r"\b(?:notified bod\w*|organismes? notifi\w*|aangemelde instantie\w*|NB|servers?|serveurs?|"
                              r"cloud|hosting|h[ée]berg\w*|data ?cent\w*|datacent\w*|stud(?:y|ies)|[ée]tudes?|studie\w*|"
                              r"trials?|essais?|onderzoek\w*|labs?|laboratoires?)\b.{0,60}$", re.I)
_LIKE = re.compile(r"\b(?:like|such as|similar to|equivalent (?:of|to)|comme|[ée]quivalent (?:de|à|au)|"
                   r"similaire [àa]|zoals|vergelijkbaar met|gelijkaardig aan)\s+(?:the |a |an |de |het |een |la |le |les |l'|un |une )?"
                   r"(?:[\w'’]+\s+){0,2}$|\b(?:à la|de type|du type|type|style|genre)\s+$", re.I)
# "a DiGA-style fast track", "DiGA-like", "een DiGA-achtige route": the name is a comparison too.
_LIKE_AFTER = re.compile(r"^(?:[-\s]?(?:style|like|type|achtig\w*)\b)", re.I)


def _compared(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is named for comparison, not asked about."""
    return bool(_LIKE.search(text[max(0, start - 40):start]) or _LIKE_AFTER.match(text[end:]))


# Where the situation of a founder is told: statements, as opposed to the questions that follow.
_QUESTION_WORD = (r"how|what|which|who|whom|when|where|why|can|could|may|must|should|do|does|is|are|will|would|"
                  r"combien|comment|quel|quelle|quels|quelles|qui|quand|o[uù]|pourquoi|est-ce|faut-il|dois-je|puis-je|"
                  r"peut-on|peut-il|doit-on|devons-nous|pouvons-nous|y a-t-il|c'est quoi|hoe|hoeveel|wat|welke|welk|wie|"
                  r"wanneer|waar|waarom|kan|kunnen|mag|mogen|moet|moeten|zijn|krijgen|hebben")
_JOINERS = {"en": r"and|or|also|plus", "fr": r"et|ou|puis|aussi", "nl": r"en|of|ook"}
# "… and in which class?", "… et à qui ?": a preposition may come before the question word.
_BEFORE_QUESTION_WORD = (r"(?:(?:if so|if yes|and if so|si oui|le cas [ée]ch[ée]ant|dans ce cas|zo ja|indien ja|in dat geval),?\s+)?"
                         r"(?:(?:in|to|for|at|from|with|by|dans|à|a|pour|de|chez|par|avec|op|voor|naar|bij|met|van|door|uit)\s+)?")
# "…, and if they ask for more information, does the clock stop?": a condition, then its own question.
_CONDITIONAL_QUESTION = re.compile(r"(?:if|si|als|indien)\s[^?]{3,80}?[\s,](?:does|do|is|are|can|will|would|should|must|est-ce|faut-il|"
                                   r"peut-on|doit-on|y a-t-il|moet|moeten|kan|kunnen|mag|mogen|wordt|is er)\b[^?]*\?", re.I)
# Words that open a question of their own after a comma ("who assesses it, who sits on it?").
_WH_WORD = (r"how|what|which|who|whom|when|where|why|combien|comment|quel|quelle|quels|quelles|qui|quand|o[uù]|"
            r"pourquoi|hoe|hoeveel|wat|welke|welk|wie|wanneer|waar|waarom")

_CLASS = re.compile(r"\b(?:class(?:e)?|klasse)\s*(I{1,3}[ab]?|1|2a|2b|3)\b(?!\w)", re.I)
# Within one clause: in "CE marked, not yet notified" the "not yet" is about the notification.
_CE_NOT = re.compile(r"\b(?i:not|isn'?t|aren'?t|no|without|pas|pas encore|sans|niet|nog niet|geen|zonder)\b[^,;.]{0,25}\bCE\b|"
                     r"\bCE\b[^,;.]{0,25}\b(?i:not yet|pending|in progress|en cours|pas encore|nog niet|loopt)\b|"
                     r"\bCE\b[^,;.]{0,25}[,:]\s*(?i:not yet|pending|in progress|en cours|pas encore|nog niet|loopt)\s*(?:[,;.)]|$)")
_CE_YES = re.compile(r"\b(?:CE|ce)[- ]?(?i:marked|mark|marking|certified|gemarkeerd|markering|label|gelabeld)|"
                     r"\b(?i:marqu[ée]e?s?|marquage) CE\b|\bCE\b")
_NOTIFIED_NOT = re.compile(r"\b(?:not|never|pas|niet|nog niet|geen)\b.{0,25}\b(?:notified|notifi[ée]e?|aangemeld|genotificeerd|registered|enregistr[ée]e?|geregistreerd)\b(?! bod)", re.I)
_NOTIFIED = re.compile(r"\b(?:notified|notifi[ée]e?s?|aangemeld|genotificeerd)\b(?! bod)", re.I)
# A consultant's shorthand for a client's status: "(class IIa, CE ok, FAGG notification done)".
_DONE = r"\s*(?::\s*)?(?:(?:is|est|was|werd|has been|a [ée]t[ée])\s+)?(?:ok|okay|done|yes|fait|faite|acquis|obtenu|oui|in orde|gebeurd|gedaan|behaald|binnen|ja)\b"
_CE_DONE = re.compile(r"\b(?:CE|CE[- ]?(?:marking|marquage|markering))" + _DONE, re.I)
_NOTIFIED_DONE = re.compile(r"\b(?:[\w-]*notifi(?:cation|catie)|aanmelding|notification (?:AFMPS|FAMHP|FAGG))" + _DONE, re.I)
# "What next after the FAMHP notification?": the route from there, as "after CE marking" is.
_AFTER_NOTIFICATION = re.compile(r"\b(?:after|once|apr[eè]s|une fois|na|nadat|sinds|since|depuis)\b\W+(?:\w+\W+){0,3}?"
                                 r"(?:[\w-]*notifi(?:cation|catie|ed|[ée]e?s?)|aanmelding|aangemeld)\b(?! bod)", re.I)
_HOSPITAL = re.compile(r"\bhospitals?\b|\bh[oô]pita(?:l|ux)\b|\bziekenhui(?:s|zen)\b|\bclinic\b|\bclinique\b|\bkliniek\b", re.I)
_HOME = re.compile(r"\bat home\b|\bhome[- ](?:monitoring|care|use)\b|\b[àa] domicile\b|\bthuis\b|\bremote\b|\bà distance\b|"
                   r"\bop afstand\b|\bt[ée]l[ée]surveillance\b|\btelemonitoring\b", re.I)

# Conditions founders build for; named in a question they describe the patients, not a procedure
# the sources would have to cover. Stems, matched at the start of a word, accents folded.
CONDITIONS = {
    "heart failure": r"heart[- ]failure|insuffisan\w* cardiaques?|hartfal",
    "diabetes": r"diabet|diab[eè]t|glyc|glucose|insulin",
    "COPD": r"copd|bpco|chronic obstructive|bronchopneumopathie",
    "asthma": r"asthm|astma",
    "depression": r"depress|d[ée]press",
    "mental health": r"mental health|sant[ée] mentale|geestelijke gezondheid|anxi|angst|burn-?out|psych",
    "cancer": r"cancer|kanker|oncolog|tumou?r",
    "sleep apnoea": r"apn[oée]e?a?|slaapapn|sleep",
    "hypertension": r"hypertens|blood pressure|tension art[ée]rielle|bloeddruk",
    "cardiac arrhythmia": r"arrhythm|arythm|aritm|atrial fibrillation|fibrillation|voorkamerfibrillatie|boezemfibrillatie",
    "stroke": r"stroke|avc\b|beroerte",
    "obesity": r"obes|ob[eè]s|overgewicht|weight loss",
    "rehabilitation": r"rehab|r[ée][ée]ducation|revalidatie|kin[ée]|physio|fysio|knee|genou|knie|hip|hanche|heup|prosthes|proth",
    "neurological": r"parkinson|alzheimer|dementia|d[ée]mence|dementie|epilep|migrain|multiple sclerosis|scl[ée]rose",
    "pregnancy": r"pregnan|grossesse|zwanger|prenatal|pr[ée]natal",
    "chronic pain": r"chronic pain|douleur chronique|chronische pijn|back pain|lombalg|rugpijn",
    "kidney disease": r"kidney|renal|r[ée]nal|dialys|nier",
    "skin disease": r"psoria|eczema|ecz[ée]ma|dermat",
    "respiratory": r"respirat|pulmon|long(?:en)?ziekte|mucovisc|cystic fibrosis",
    "ADHD": r"adhd|tdah|hyperactiv|aandachtstekort",
    "learning disorders": r"dyslex|dyscalcul|dysorthograph",
    "autism": r"autis|asperger",
    "insomnia": r"insomn|slapeloos|slaapstoornis",
    "tinnitus": r"tinnitus|acouph[eè]n",
    "addiction": r"addict|verslav|assu[ée]tude|smoking cessation|sevrage tabagique|rookstop",
}
_CONDITION = {name: re.compile(rf"\b(?:{pattern})", re.I) for name, pattern in CONDITIONS.items()}

# Belgian places, in the forms founders use: where the company sits is not what it asks about.
BELGIAN_PLACES = re.compile(
    r"\b(?:brussels?|bruxell\w*|brussel\w*|ghent|gand\w*|gent\w*|antwerp\w*|anvers\w*|antwerpen\w*|li[eè]ge\w*|luik\w*|"
    r"namur\w*|namen|leuven\w*|louvain\w*|charleroi\w*|bruges|brugge\w*|mons|bergen|hasselt\w*|mechelen\w*|malines|"
    r"kortrijk\w*|courtrai|aalst\w*|alost|genk\w*|wavre|waver|ottignies|arlon|aarlen|tournai|doornik|ostend\w*|oostende\w*|"
    r"ostende|sint-niklaas|roeselare\w*|turnhout\w*|verviers|wallon\w*|flandre\w*|vlaander\w*|vlaams\w*|flemish|flamand\w*|"
    r"walloni\w*|waals\w*|belgi\w*|belge\w*)\b", re.I)
# "our app X", "notre app X", "onze app X", "called X": a product's own name.
_PRODUCT_NAME = re.compile(r"\b(?i:called|named|nomm[ée]e?|appel[ée]e?|genaamd|heet|our|notre|onze|mijn|my|mon|ma)\s+"
                           r"(?i:app|application|appli|software|logiciel|device|dispositif|tool|outil|startup|start-up|company|"
                           r"soci[ée]t[ée]|bedrijf|toestel|platform|plateforme)?\s*[\"“«]?([A-Z][\w@.+-]*)")


@dataclass(frozen=True)
class Part:
    """One question within the user's message."""

    text: str  # as the user wrote it
    intent: str  # one of INTENTS
    query: str  # what retrieval searches for: the part, with the subject it leans on


@dataclass(frozen=True)
class Situation:
    """What the question tells about the founder's product, when it says it."""

    device_class: str | None = None  # "I", "IIa", "IIb", "III"
    ce_marked: bool | None = None
    notified: bool | None = None
    conditions: tuple[str, ...] = ()
    setting: str | None = None  # hospital | home
    text: str = ""  # the statements that tell it

    def to_dict(self) -> dict:
        data = asdict(self)
        data["conditions"] = list(self.conditions)
        return data

    @property
    def empty(self) -> bool:
        return not (self.device_class or self.ce_marked is not None or self.notified is not None
                    or self.conditions or self.setting)


@dataclass(frozen=True)
class Understanding:
    question: str
    language: str
    parts: tuple[Part, ...]
    situation: Situation = field(default_factory=Situation)
    # Names the question uses that describe the asker rather than the subject asked about.
    context_names: frozenset[str] = frozenset()
    # Other countries or their bodies named in the questions asked (not in the situation).
    foreign: tuple[str, ...] = ()

    @property
    def declined(self) -> bool:
        return any(p.intent == "decline" for p in self.parts)

    def foreign_in(self, part: Part) -> list[str]:
        """The other countries' names a part asks about: in its own words, or in the part it
        leans on ("… in Germany? and how long does that take?"). "What's the process with NIHDI,
        and is there anything like the German DiGA here?" asks its first part about Belgium."""
        first = bool(self.parts) and part == self.parts[0]
        asked = part.text if first else part.query
        if names_belgian_body(part.text):
            # "We have FDA 510(k) clearance: does that help with the RIZIV?" asks about Belgium's
            # route; the other country is the founder's situation.
            return []
        return [name for name in self.foreign if name in asked]


def names_belgian_body(text: str) -> bool:
    """Whether the text names a Belgian body (INAMI, FAMHP, mHealthBelgium, eHealth) or Belgium."""
    return bool(_BELGIAN_BODY.search(text))


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower().replace("’", "'")


def understand(question: str, language: str) -> Understanding:
    question = question.strip()
    statements, asked = _split_statements(question)
    asked_text = " ".join(asked)
    off_topic = _OFF_TOPIC.search(asked_text) or (_ORDINARY_CARE.search(asked_text) and not _DIGITAL.search(question))
    if _DECLINE.search(question) or _GREETING.match(question) or off_topic:
        return Understanding(question, language, (Part(question, "decline", question),))
    pieces = [p for q in asked for p in _split_part(q, language)] or [question]
    # "We have CE class IIa and the FAMHP notification done, what next?": what opens the sentence
    # is the founder's situation, not a question of its own.
    while len(pieces) > 1 and _states_situation(pieces[0]):
        statements.append(pieces.pop(0))
    situation_text = " ".join(statements)
    parts: list[Part] = []
    for i, piece in enumerate(pieces):
        # A part that names nothing ("and how long does it take?") leans on the part before it,
        # or on the situation when it comes first.
        # A chain of them ("FAGG or AFMPS? Same thing? Mandatory once CE marked?") keeps the
        # subject of the part that started it.
        lean_on = pieces[:i] if i else ([situation_text] if situation_text else [])
        query = contextualise(piece, lean_on) if lean_on else piece
        if not i and situation_text and query == piece and (_POINTS_BACK.search(piece) or _FOR_THAT.search(piece)):
            # "A company says it is 'M3 validated'. What does that guarantee?": "that" is the
            # statement's subject, even when the question names other things.
            query = f"{piece} {situation_text}"
        parts.append(Part(piece, intent_of(piece), query))
    situation = read_situation(question, situation_text)
    # Once one name is a language ("in French and Dutch"), the others are too ("or German?").
    languages = any(_as_language(asked_text, m) for m in _FOREIGN.finditer(asked_text))
    foreign = tuple(m.group(0) for m in _FOREIGN.finditer(asked_text)
                    if not (languages and _LANGUAGE_FORM.fullmatch(m.group(0)))
                    if not _ORIGIN.search(asked_text[max(0, m.start() - 30):m.start()])
                    and not _compared(asked_text, m.start(), m.end())
                    and not _PROVIDER_BEFORE.search(asked_text[max(0, m.start() - 70):m.start()])
                    and not _OWNER.match(asked_text[m.end():])
                    and not _OWNER_BEFORE.search(asked_text[max(0, m.start() - 30):m.start()])
                    and not _as_language(asked_text, m))
    return Understanding(question, language, tuple(parts), situation, frozenset(context_names(question)), foreign)


# "Can you explain…", "pouvez-vous détailler…": a request phrased as a question, not a yes/no.
_REQUEST = re.compile(r"^(?:can|could|would) you\b|^(?:pouvez|pourriez|peux|pourrais)[- ](?:vous|tu)\b|"
                      r"^(?:kan|kunt|kun|zou) (?:u|je|jij)\b", re.I)


# Words of paying that name no amount: "can the patient pay for the app himself?" asks whether
# he may, a yes/no; an amount word ("how much", "cost", "fee", "free") makes it a cost.
# "Est-ce payant ?" asks whether there is a fee: "payant" is not one of them.
_PAYING = re.compile(r"\bpay\b|\bpayer\b|\bbetalen\b", re.I)


# "What next?", and "anything else to do?" after the founder's situation: "Is there anything
# else we must do at the FAMHP?" opens like a yes/no but asks for the steps left.
# Also how from_plan recognises a part asking for the route itself.
WHAT_NEXT = re.compile(r"\bwh?at(?:'?s| is)? next\b|\bwhat now\b|\bet maintenant\b|\bwat nu\b|"
                        r"\b(?:anything|something) (?:else|more|extra)\b.{0,25}\bdo\b|\bwhat else\b.{0,25}\bdo\b|"
                        r"\b(?:autre chose|quelque chose d.autre|encore quelque chose)\b.{0,10}\b[àa] faire\b|"
                        r"\bnog (?:iets|wat)\b.{0,20}\bdoen\b|\bwat (?:moeten|moet) (?:we|wij|ik) nog\b|"
                        # "CE done, on fait quoi en premier ?"
                        r"\bon fait quoi\b|\bqu.est-ce qu.on fait\b|\bwhat do (?:we|i) do (?:now|next|then|first)\b|"
                        r"\bwat doen (?:we|wij|ik) (?:nu|daarna|dan|eerst)\b|"
                        r"\bwhat comes (?:next|now|then|after\w*)\b|\bwat (?:komt|volgt) er\b|\bwat volgt (?:nu|daarna|hierna)\b|"
                        r"\bquelle est la suite\b|\bet la suite\b")


def intent_of(text: str) -> str:
    lowered = _LEAD.sub("", text.strip().lower())
    if WHAT_NEXT.search(lowered):
        return "steps"
    if _WHO_FIRST.match(lowered) and not INTENT_CUES["cost"].search(lowered):
        return "who"  # "Wie beoordeelt zo'n dossier?" asks who, whatever "dossier" suggests
    for intent in INTENTS[1:-1]:
        if intent == "yesno" and _REQUEST.match(lowered):
            continue
        if intent == "date" and (_CONDITIONAL.search(lowered) or _WHEN_INSIDE.search(lowered)) \
                and not _DATE_ASKED.search(lowered):
            # "when a hospital prescribes it, are we the controller?", "faut-il notifier quand on
            # est fabricant belge ?" ask no date
            continue
        cue = INTENT_CUES[intent]
        if cue.search(lowered):
            if intent == "cost" and _only_paying(lowered) and INTENT_CUES["yesno"].search(lowered):
                return "yesno"
            if intent == "yesno" and _CHOICE.search(lowered):
                return "general"  # "is prevention federal or regional?" is answered by which, not yes or no
            return intent
    return "general"


# "Concrètement, qui évalue notre dossier ?" asks who: a discourse word before the question.
_LEAD = re.compile(r"^\W*(?:concr[eè]tement|concretely|concreet|eigenlijk|en fait|actually|basically|bon|ok|okay|"
                   r"alors|donc|dus|so|well|allez|en gros|kortom)\s*,\s*")
_WHO_FIRST = re.compile(r"^\W*(?:and |et |en )?(?:who|whom|wie|qui)\b(?!\s+(?:peut|que|qu'))")
_CONDITIONAL = re.compile(r"\b(?:when|quand|lorsqu\w*|wanneer)\b[^?,]{3,90},\s*(?:are|is|do|does|can|should|must|will|would|who|"
                          r"est-ce|sommes|peut|doit|faut|qui|zijn|is|moeten|kunnen|mogen|wie)\b")
# "when" after another question's opening words is a condition, not the date asked.
_WHEN_INSIDE = re.compile(r"^\W*(?:(?:and |et |en )?(?:what happens|que se passe-t-il|qu.est-ce qui se passe|wat gebeurt)|"
                          r"faut-il|doit-on|dois-je|peut-on|puis-je|est-ce qu\w*|moeten|moet|mogen|kunnen|"
                          r"must|should|do|does|can|is|are)\b.*\b(?:when|quand|lorsqu\w*|wanneer|als)\b")
_DATE_ASKED = re.compile(r"\bsince when\b|\bfrom when\b|\bwhat date\b|\bdepuis quand\b|\bà partir de quand\b|"
                         r"\bsinds wanneer\b|\bvanaf wanneer\b")
_CHOICE = re.compile(r"\w\s+(?:or|ou|of)\s+(?:the |de |het |la |le |les |l'|van |du |de la )?\w", re.I)


def _only_paying(lowered: str) -> bool:
    return not INTENT_CUES["cost"].search(_PAYING.sub(" ", lowered))


# A full stop after "e.g.", "bv.", "p. ex." or "etc." does not end the founder's sentence.
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|bv|bijv|bvb|o\.a|d\.w\.z|ex|c\.-à-d|cf|vs|resp|incl|approx|ca|art|nr|n°|pp|vol)\.)$", re.I)


def _sentences(text: str) -> list[str]:
    pieces = [p.strip() for p in re.split(r"(?<=[.?!])\s+(?=\S)", text) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _split_statements(question: str) -> tuple[list[str], list[str]]:
    """Statements (the situation) and questions. Without a question mark, the last sentence is
    the question unless a question word opens an earlier one."""
    sentences = _sentences(question)
    # A reported question is asked from its question word on: who reports it ("our investors")
    # is not what it asks about.
    reported = {s: m.group("asked") for i, s in enumerate(sentences)
                if not s.endswith("?") and (m := _INDIRECT.search(s)) and not _points_back_at(sentences, i)}
    sentences = [reported.get(s, s) for s in sentences]
    asked = [s for s in sentences if s.endswith("?") or s in reported.values()
             or re.match(rf"(?:{_QUESTION_WORD})\b", s, re.I)]
    if not asked:
        return sentences[:-1], sentences[-1:]
    # "I read that NIHDI only reimburses apps used with a professional. Is that true?": the claim
    # is the question.
    for i, sentence in enumerate(sentences[1:], 1):
        if sentence in asked and _CONFIRM.match(sentence) and sentences[i - 1] not in asked:
            claim = sentences[i - 1]
            asked[asked.index(sentence)] = f"{claim.rstrip('.! ')}, {sentence}"
            sentences = sentences[:i - 1] + sentences[i:]
    statements = [s for s in sentences if s not in asked and not any(s in a for a in asked)]
    return statements, asked


# "Our investors ask how long it takes." asks, without a question mark.
_INDIRECT = re.compile(r"\b(?:ask|asks|asking|want to know|wants to know|wonder\w*|vragen|vraagt|vraag me af|vragen zich af|"
                       r"willen weten|wil weten|demandent|demande|me demande|veulent savoir|veut savoir|aimerai\w* savoir)\s+"
                       r"(?:\w+\s+)?(?P<asked>(?:how|what|when|whether|which|who|hoe|hoeveel|wat|wanneer|welke|wie|of|combien|"
                       r"comment|quand|quel\w*|qui|si)\b.*)", re.I)
_CONFIRM = re.compile(r"^\W*(?:(?:est-ce que )?c.est (?:vrai|exact|correct|juste)|est-ce (?:vrai|exact|correct)|vrai|"
                      r"is (?:that|this|it) (?:true|right|correct|so)|(?:is that )?(?:true|right|correct)|"
                      r"klopt (?:dat|dit|het)|is (?:dat|dit|het) (?:zo|waar|juist|correct)|waar|juist)\W*$", re.I)
# A demonstrative opening the first question points back at the statement before it.
_POINTS_BACK = re.compile(r"^\W*(?:\w+\W+){0,3}(?:that|this|ça|ca|cela|ceci|dat|dit)\b|^\W*qu.est-ce que (?:ça|ca|cela)\b|^\W*(?:et |mais |alors )?c['’]est (?:un |une |grave|ok|bon|g[êe]nant|possible|permis|autoris|l[ée]gal|ill[ée]gal|obligatoire|un probl)", re.I)
# "Is there an INAMI convention for that?", "bestaat daarvoor een overeenkomst?"
_FOR_THAT = re.compile(r"\b(?:for|pour|voor)\s+(?:that|this|it|ça|ca|cela|ceci|dat|dit)\W*$|"
                       r"\b(?:daarvoor|hiervoor|ervoor|daarvan|là-dessus)\b", re.I)


def points_back(text: str) -> bool:
    """Whether a part asks about something said before it ("how is the hospital funded for
    that?"): its subject is in its query, not in its own words."""
    return bool(_POINTS_BACK.search(text) or _FOR_THAT.search(text) or _FOR_THAT_INSIDE.search(text))


# "Comment l'hôpital est financé pour ça actuellement ?"
_FOR_THAT_INSIDE = re.compile(r"\b(?:for|pour|voor)\s+(?:that|ça|ca|cela|dat)\b", re.I)


def _points_back_at(sentences: list[str], i: int) -> bool:
    """"Hospitals ask whether we are in the convention. What does that mean?": the reported
    question is the situation the next one asks about."""
    return i + 1 < len(sentences) and bool(_POINTS_BACK.match(sentences[i + 1]))
_BETWEEN = re.compile(r"^\W*(?:between|entre|tussen)\b", re.I)
# "What's the difference between M1 and M2?": the connector ends a comparison's first term.
_BETWEEN_END = re.compile(r"\b(?:between|entre|tussen)(?:\s+(?!(?:and|et|en|or|ou|of)\b)\S+){1,4}\s*$", re.I)


def _split_part(sentence: str, language: str) -> list[str]:
    """"What are the steps and how long does it take?" → two parts. Splits where a connector
    is followed by a question word or by a clause that asks for its own kind of answer, so
    "CE marking and notification" stays whole."""
    joiners = "|".join({_JOINERS.get(language, _JOINERS["en"]), _JOINERS["en"]})
    pattern = re.compile(rf"(?:\s*[,;]\s*|\s+)(?:{joiners})\s+|\s*;\s*|\?\s+|\s*,\s*(?=(?:{_WH_WORD})\b)", re.I)
    pieces, start = [], 0
    for match in pattern.finditer(sentence):
        piece = sentence[start:match.start()].strip(" ,;")
        right = sentence[match.end():]
        # "Between filing and the decision, how long?": the connector joins the two ends.
        joined = (_BETWEEN.match(piece) or _BETWEEN_END.search(piece)) and match.group(0).strip() not in ("?", ";")
        # "Can we apply now, or must we reach M3 first?": one question with its alternative.
        alternative = match.group(0).strip(" ,").lower() in ("or", "ou", "of")
        joined = joined or (alternative and intent_of(piece) == "yesno" and intent_of(right) == "yesno")
        # "Is prevention a Flemish or a federal competence, and who…": "or" joins two answers
        # to one question unless a question opens after it.
        joined = joined or (alternative and not re.match(rf"(?:{_QUESTION_WORD})\b", right, re.I))
        if match.group(0).strip() == ",":
            # A bare comma splits only two questions that each open with their question word.
            joined = joined or not re.match(rf"\W*(?:{_QUESTION_WORD})\b", piece, re.I) or len(re.findall(r"\w+", piece)) < 3
        asks = not joined and (match.group(0).strip() in ("?", ";", ",")
                                or re.match(rf"{_BEFORE_QUESTION_WORD}(?:{_QUESTION_WORD})\b", right, re.I)
                                or _CONDITIONAL_QUESTION.match(right)
                                or intent_of(right) not in ("general", intent_of(piece)))
        if asks and len(re.findall(r"\w+", piece)) >= 2 and len(re.findall(r"\w+", right)) >= 2:
            pieces.append(piece)
            start = match.end()
    rest = sentence[start:].strip(" ,;")
    if pieces and len(re.findall(r"\w+", rest)) < 2:
        pieces[-1] = f"{pieces[-1]} {rest}".strip()
    elif rest:
        pieces.append(rest)
    return pieces


def read_situation(question: str, statements: str) -> Situation:
    folded = fold(question)
    klass = None
    match = _CLASS.search(question)
    if match:
        raw = match.group(1).upper().replace("A", "a").replace("B", "b")
        klass = {"1": "I", "2a": "IIa", "2b": "IIb", "3": "III", "2A": "IIa", "2B": "IIb"}.get(raw, raw)
        klass = klass.replace("IIA", "IIa").replace("IIB", "IIb")
    # "CE ok, not yet on mHealthBelgium": the "not yet" is about what follows the status.
    ce = False if _CE_NOT.search(question) and not _CE_DONE.search(question) else True if (_CE_YES.search(question) and _mentions_own_ce(question)
                                                          or _CE_DONE.search(statements)) else None
    notified = False if _NOTIFIED_NOT.search(question) else True if (
        (_NOTIFIED.search(question) or _NOTIFIED_DONE.search(question)) and _asserts(question)
        or _NOTIFIED_DONE.search(statements) or _AFTER_NOTIFICATION.search(question)) else None
    # Only a CE-marked device is notified to the FAMHP (its declaration of conformity goes with it).
    if notified and ce is None:
        ce = True
    conditions = tuple(name for name, cue in _CONDITION.items() if cue.search(folded))
    setting = "hospital" if _HOSPITAL.search(question) else "home" if _HOME.search(question) else None
    return Situation(klass, ce, notified, conditions, setting, statements)


def _mentions_own_ce(question: str) -> bool:
    # "Is CE marking needed?" asks about CE; "our app is CE-marked" states it.
    return bool(re.search(r"\b(?:is|are|we're|we are|est|sommes|zijn|is al|d[ée]j[àa]|already|has|have|avons|hebben|heeft|"
                          r"marqu[ée]e?|gemarkeerd|marked|certified|certifi[ée]e?|carries|bears|holds|got|obtained|received|"
                          r"a (?:le|son|sa|obtenu|re[çc]u)|ont (?:le|leur|obtenu)|poss[eè]de\w*|dispose d\w*|obtenu\w*|"
                          r"verkregen|behaald|binnen|"
                          # "après le marquage CE, on fait quoi ?": the route from there
                          r"after|once|apr[eè]s|une fois|na|nadat|klaar met)\b", question, re.I))


def _states_situation(piece: str) -> bool:
    """"We have CE class IIa": the founder's own status, and nothing asked."""
    situation = read_situation(piece, "")
    return (not piece.rstrip().endswith("?") and intent_of(piece) == "general" and _asserts(piece)
            and bool(situation.device_class or situation.ce_marked or situation.notified)
            and not re.match(rf"\W*(?:{_QUESTION_WORD})\b", piece, re.I) and not _ASKING.search(piece))


# Words that ask, wherever they stand in a clause.
_ASKING = re.compile(rf"\b(?:{_WH_WORD}|quoi|est-ce|y a-t-il|is there|are there|is er|zijn er|bestaat)\b|"
                     rf"\b\w+-(?:t-)?(?:il|elle|on|je|nous|vous|ils|elles)\b|[,;:]\s*(?:{_QUESTION_WORD})\b", re.I)


def _asserts(question: str) -> bool:
    return bool(re.search(r"\b(?:we|our|nous|notre|on|wij|we|onze|mijn|my|mon|ma)\b", question, re.I))


_CLOUD = re.compile(r"\b(?:AWS|Amazon(?: Web Services)?|Azure|Microsoft|Google(?: Cloud)?|GCP|OVH(?:cloud)?|Hetzner|"
                    r"Scaleway|DigitalOcean|Heroku|Firebase|IBM Cloud|Oracle Cloud|Cloudflare)\b", re.I)


def context_names(question: str) -> set[str]:
    """Words of the question that say where the founder is, who the patients are, or what their
    product is called (folded): not a subject the sources would have to cover."""
    names = {fold(m.group(0)) for m in BELGIAN_PLACES.finditer(question)}
    # "hosted on an EU AWS region": the founder's hosting provider, not a subject of the sources.
    names |= {fold(w) for m in _CLOUD.finditer(question) for w in m.group(0).split()}
    names |= {fold(m.group(1)) for m in _PRODUCT_NAME.finditer(question)}
    for word in re.findall(r"[^\W\d_][\w'-]*", question):
        if any(cue.match(fold(word)) for cue in _CONDITION.values()):
            names.add(fold(word))
    # A scheme named for comparison ("a route like Germany's DiGA") is not what is asked about.
    for match in re.finditer(r"[^\W\d_][\w'’-]*", question):
        if _compared(question, match.start(), match.end()):
            names.add(fold(match.group(0)))
    return names
