"""Name pools for the generated district: realistic, varied, and hard on naive code.

Accents (José, Zoë), apostrophes (O'Brien), hyphens (Smith-Jones), particles
(de la Cruz) and a few very long names are all deliberate.
"""

import unicodedata


def _pool(*chunks: str) -> tuple[str, ...]:
    return tuple("|".join(chunks).split("|"))


FIRST_NAMES = _pool(
    "Olivia|Liam|Emma|Noah|Sophia|Mateo|Isabella|Santiago|Mia|Sebastián|Ava|Leo|"
    "Camila|Ethan|Valentina|Elijah|José|María|Zoë|Chloé|Renée|Jesús|Ximena|Andrés|"
    "Siobhán|Søren|Björn|Łukasz|François|Noémie|Inés|Joaquín|Aaliyah|Mohammed|Fatima|"
    "Omar|Aisha|Yusuf|Priya|Arjun|Ananya|Wei|Mei|Hiroshi|Yuki|Min-jun|Seo-yeon|Thanh|"
    "Linh|Kai|Nalani|Oluwaseun|Chidinma|Kwame|Amara|Dmitri|Anastasia|D'Andre|"
    "Mary-Kate|Jean-Luc|Anna-Sofia|Le'Ron|Ngozi|Maximiliano|Guadalupe|Bartholomew|"
    "Alexandria|Christopher|Jacqueline|Ryan|Grace|Lucas|Harper|Aiden|Ella|Daniel|"
    "Nora|James|Lily|Benjamin|Hannah|Samuel|Zara|Gabriel|Layla|Isaiah|Aurora|Julian|"
    "Penelope|Ezra|Violet|Adrián|Dalia"
)

LAST_NAMES = _pool(
    "García|Hernández|López|Martínez|González|Rodríguez|Pérez|Sánchez|Ramírez|Flores|"
    "Nuñez|Peña|Muñoz|Ibáñez|Nguyễn|Trần|Lê|Phạm|Kim|Park|Lee|Chen|Wang|Li|Ng|Patel|"
    "Singh|Shah|Khan|Ali|Okafor|Adeyemi|Mensah|Smith|Johnson|Williams|Brown|Jones|"
    "Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore|Jackson|White|Harris|Clark|"
    "Lewis|Walker|O'Brien|O'Connor|D'Angelo|O'Neil|Smith-Jones|Vasquez-Rodriguez|"
    "Lloyd-Webber|de la Cruz|Van der Berg|St. James|MacDonald|McAllister|Müller|"
    "Schröder|Østergaard|Dvořák|Kowalczyk|Papadopoulos|Ó Súilleabháin|"
    "Abernathy-Castellanos-Wojciechowski|Wolfeschlegelsteinhausen|"
    "Krishnamurthy-Subramanian|Young|King|Wright|Scott|Torres|Rivera|Reyes|Cruz|"
    "Morales|Ortiz|Gutiérrez|Chávez|Ramos|Ruiz"
)

MIDDLE_NAMES = _pool(
    "|||||Marie|Ann|James|Lee|Lynn|Alejandro|Sofía|Grace|Michael|Rose|Elizabeth|Jean|"
    "Kay|Ray|Thị|Van"
)

SCHOOL_NAMES = {
    "elementary": _pool(
        "Lincoln|Jefferson|Garfield|Madison|Monroe|Cleveland|Hoover|Emerson|Longfellow|"
        "Whittier|Franklin|Sequoia|Redwood|Oak Grove|Sierra Vista|Mission|Valley View|"
        "Willow Creek|Cesar Chavez|Dolores Huerta|Sally Ride|Pioneer|Sunnyside|Lakeview|"
        "Maple|Cedar|Del Mar|Bella Vista|Country Club|Hillcrest|Meadowbrook|Rancho|"
        "Vista del Sol|Glenwood|Riverside|Fairview|Parkside|Harvest|Golden Hills|"
        "Mountain View|Creekside|Buena Vista|Los Altos"
    ),
    "middle": _pool(
        "Washington|Adams|Kennedy|Muir|Carver|Edison|Einstein|Marshall|Steinbeck|Earhart|"
        "Tubman|Parks|Douglass|Chavez|Yosemite|Shasta|Tahoe|Sutter|Fremont|Kearny"
    ),
    "high": _pool(
        "Roosevelt|Kennedy|Hamilton|Central|Westview|Eastlake|Northridge|Southwest|"
        "Bayside|Canyon|Mesa Verde|Sierra|Valley|Pacific|Granite Bay|El Camino|"
        "Los Robles|San Marcos|Santa Rosa|Rio Americano|Monte Vista|Del Norte|Foothill|"
        "Ocean View"
    ),
}

LEVEL_SUFFIX = {
    "elementary": "Elementary School",
    "middle": "Middle School",
    "high": "High School",
}

DISTRICT_NAMES = (
    ("Riverside Valley Unified School District", "rvusd.example.org"),
    ("Sierra Foothills Unified School District", "sfusd.example.org"),
    ("Bayview Joint Unified School District", "bjusd.example.org"),
    ("Golden Plains Unified School District", "gpusd.example.org"),
    ("Mesa Verde Elementary & High School District", "mvd.example.org"),
)

GUARDIAN_EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com")

_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d"}
)


def name_ascii(name: str) -> str:
    """Lower-case ASCII letters and digits of a name, for usernames and emails."""
    folded = unicodedata.normalize("NFKD", name.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in folded.lower() if ch.isascii() and ch.isalnum())
