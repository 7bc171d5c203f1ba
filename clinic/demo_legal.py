"""The demo practice's legal notices and language taglines.

Every text here is a SAMPLE written in our own words for the fictional demo practice: it
cites the rule it answers and says that counsel must review it. It is research, not legal
advice. The practice's name, phone, email and address are written in from the Practice row
when the demo is loaded ({name}, {phone}, {email}, {address} below).

The taglines' languages: HHS's Office for Civil Rights published a per-state list of the
top 15 languages of people with limited English proficiency (2016, for Section 1557), but it
could not be retrieved from here. The list below was chosen instead from the languages the
Census Bureau's American Community Survey reports for Maryland among people who speak
English less than "very well" (table B16001): Spanish, Chinese, Korean, French, Vietnamese,
Amharic, Yoruba, Igbo, Tagalog, Russian, Arabic, Persian, Urdu, Portuguese, Nepali and
Hindi. The exact figures and ranking could not be checked from here: check the list against
the current HHS list or the ACS table before use. Staff can change it in the admin. The translations are samples for a
qualified translator to review.
"""

SAMPLE_NOTE = (
    "<p><em>Sample text for a demo practice, written in our own words. It is not legal advice: "
    "the practice's counsel must review it before it is used.</em></p>"
)

NPP = """
<p><strong>THIS NOTICE DESCRIBES HOW MEDICAL INFORMATION ABOUT YOU MAY BE USED AND DISCLOSED AND HOW YOU
CAN GET ACCESS TO THIS INFORMATION. PLEASE REVIEW IT CAREFULLY.</strong></p>
<p>{name} ("we") keeps information about your health and your care: your visits, test results, treatments
and bills. The law calls it protected health information. This notice explains, in plain words, how we use
and share it, your rights over it, and our duties. It follows the HIPAA Privacy Rule, 45 CFR 164.520.</p>
<h3>How we use and share your health information</h3>
<ul>
<li><strong>To treat you.</strong> For example, your physician shares your exam results with the physician
assistant who sees you for a follow-up, or with a physical therapist or imaging center you are referred to.</li>
<li><strong>To get paid.</strong> For example, we send your insurance plan the dates of your visits and the
treatments you had, and we may ask it to approve a treatment before we give it.</li>
<li><strong>To run the practice.</strong> For example, to check the quality of our care, train our staff,
and arrange audits and legal advice. Companies that help us (such as our billing service or our IT
provider) sign agreements to protect your information.</li>
<li><strong>Appointment reminders.</strong> We email or call you about appointments and, if you ask, about
treatment options.</li>
<li><strong>People involved in your care.</strong> If you agree, or do not object when you can, we may share
what is needed with a family member or friend who helps with your care or pays for it.</li>
</ul>
<h3>Other uses the law allows or requires</h3>
<p>We may share information without your permission when the law requires it; for public health (such as
reporting diseases or problems with medicines); to report suspected abuse, neglect or domestic violence; for
health oversight audits and inspections; in answer to a court order or other lawful process; for certain law
enforcement purposes; to coroners, medical examiners and funeral directors; for organ and tissue donation;
to avoid a serious threat to health or safety; for special government functions such as military and
national security; for workers' compensation; and for research that an approved board has reviewed.</p>
<h3>Uses that need your written permission</h3>
<p>We ask your written permission before we use or share your information for marketing, before we sell it,
and for most uses of psychotherapy notes. Any other use not described here also needs your written
permission, and you may take that permission back in writing at any time (except for what we already did
relying on it).</p>
<h3>Your rights</h3>
<ul>
<li><strong>See and get a copy</strong> of your medical and billing records, on paper or electronically. We
answer within 30 days and may charge a reasonable, cost-based fee.</li>
<li><strong>Ask us to correct</strong> information you think is wrong or missing. We may say no, and will tell
you why in writing within 60 days.</li>
<li><strong>Ask for confidential communication</strong>, for example by a different phone number or address.
We will say yes to all reasonable requests.</li>
<li><strong>Ask us to limit</strong> what we use or share. We do not have to agree, except that if you pay for a
service in full yourself, you may ask us not to share it with your health plan, and we will agree unless
the law requires us to share it.</li>
<li><strong>Get a list of those we shared information with</strong> in the six years before you ask, other than
for treatment, payment and running the practice and certain other disclosures. One list a year is free.</li>
<li><strong>Get a paper copy of this notice</strong> at any time, even if you agreed to get it electronically.</li>
<li><strong>Choose someone to act for you</strong>, such as a legal guardian or someone with medical power of
attorney.</li>
</ul>
<h3>Our duties</h3>
<p>The law requires us to keep your health information private, to give you this notice of our duties and
privacy practices, to follow the notice in effect now, and to tell you promptly if a breach occurs that may
have put your information at risk. We may change this notice; a change applies to all the information we
hold. The new notice is posted on our website and in our office, and you can ask us for a copy.</p>
<h3>Complaints</h3>
<p>If you believe we have not protected your privacy, you may complain to us (call {phone} and ask for our
privacy officer, or write to us at {address}) or to the U.S. Department of Health and Human Services, Office
for Civil Rights (www.hhs.gov/ocr/complaints, 1-800-368-1019). We will never act against you for
complaining.</p>
<h3>Questions and contact</h3>
<p>Privacy officer, {name}, {address}. Phone {phone}.</p>
<p>This notice takes effect on the date shown above.</p>
"""

NONDISCRIMINATION = """
<p>{name} follows federal civil rights laws. We do not exclude people or treat them differently because of
race, color, national origin, age, disability or sex (including sexual orientation, gender identity, sex
characteristics and pregnancy). This notice is required by Section 1557 of the Affordable Care Act and its
rule at 45 CFR 92.10.</p>
<h3>Free help we offer</h3>
<ul>
<li>For people with disabilities: qualified sign language interpreters, written information in other formats
(large print, audio, accessible electronic formats) and other aids, free of charge.</li>
<li>For people whose first language is not English: qualified interpreters and information written in other
languages, free of charge.</li>
</ul>
<p>To ask for this help, call {phone} or tell our front desk.</p>
<h3>If you think we treated you unfairly</h3>
<p>Contact our Section 1557 coordinator: {name}, {address}, phone {phone}. You can complain in person, by
mail or by phone, and the coordinator can help you write it down. You may also file a civil rights complaint
with the U.S. Department of Health and Human Services, Office for Civil Rights, online at
https://ocrportal.hhs.gov/ocr/portal/lobby.jsf, by phone at 1-800-368-1019 (TDD 1-800-537-7697), or by mail
to 200 Independence Avenue SW, Room 509F, HHH Building, Washington, DC 20201.</p>
"""

LANGUAGE_HELP = """
<p><strong>Free language help and aids for people with disabilities.</strong> If you speak a language other
than English, {name} offers qualified interpreters, in person, by phone or by video, and can give you
information written in your language, at no cost to you. If you have a disability, we offer free aids such
as qualified sign language interpreters, large print and documents you can read with a screen reader.</p>
<p>Call {phone} or tell our front desk which language or aid you need, ideally when you book, so it is ready
for your visit. You do not need to bring your own interpreter, and we will not ask family members or
children to interpret for you unless you choose that in a situation the rules allow.</p>
<p>This notice is required by Section 1557 of the Affordable Care Act, 45 CFR 92.11. Below, the same message
in the languages most spoken in Maryland by people who speak English less than very well.</p>
"""

ACCESSIBILITY = """
<p>{name} wants everyone to be able to use this website and our office. We aim to meet the Web Content
Accessibility Guidelines, WCAG 2.2, at level AA, and we follow the Americans with Disabilities Act and
Section 504 of the Rehabilitation Act.</p>
<h3>What we do</h3>
<ul>
<li>Pages work with screen readers, keyboards, voice control and zoom up to 400%, without JavaScript.</li>
<li>Text has strong contrast and links say where they go.</li>
<li>The office is on an accessible floor with an elevator, accessible restrooms and accessible parking.</li>
</ul>
<h3>Ask for help or an accommodation</h3>
<p>If something on this site does not work for you, or you need an accommodation for your visit (a sign
language interpreter, an interpreter in your language, large print or another format, help filling in
forms, extra time), use the form on this page or call {phone}. Our front desk answers during office
hours and will arrange it with you, free of charge.</p>
<p>We test the site regularly with automated tools and by hand. If you find a barrier, please tell us: we
treat it as a fault to fix.</p>
"""

WEBSITE_PRIVACY = """
<p>This policy explains what this website collects and why. How we protect your health information in your
care is in our <a href="/legal/privacy-practices/">Notice of Privacy Practices</a>. What you type into our
forms is health information that we safeguard as the HIPAA rules require (45 CFR 164.530(c)), and we follow
the HHS guidance on online tracking technologies by using none.</p>
<h3>What you tell us</h3>
<p>When you book an appointment or ask for a video visit or a call back, we keep what you type (your name,
date of birth, phone, email, the reason for your visit and, for a video visit, the state you will be in) to
arrange your care. It is stored on our own servers, seen only by our staff, and treated as health information
under HIPAA. We never put it in web addresses, and the emails our staff get about new bookings carry only a
reference number.</p>
<h3>No trackers, no advertising</h3>
<p>The site uses no analytics, no advertising, no social media buttons, no outside fonts and no embedded
maps: your browser asks nothing of anyone but us while you read it. We do not sell or share what you do on
the site.</p>
<h3>Cookies</h3>
<ul>
<li><strong>csrftoken</strong>: set when you open a form; it proves that a form sent to us came from our own
page (protection against forged requests), and our spam check uses it to tell that the form was filled in
by a person in this browser.</li>
<li><strong>sessionid</strong>: set while you book, to remember the time you picked between one step and the
next, and for staff who sign in. It holds only a random number.</li>
</ul>
<p>Both are needed for the site to work, are sent only to this site over a secure connection, and cannot be
read by scripts. We use no other cookies.</p>
<h3>Technical records</h3>
<p>To keep the site safe, our servers briefly count requests by internet address (to stop abuse) and record
errors. These records never contain what you typed in a form.</p>
<p>Questions: call {phone}.</p>
"""

GOOD_FAITH_ESTIMATES = """
<p><strong>You have the right to receive a "Good Faith Estimate" explaining how much your medical care will
cost.</strong></p>
<p>Under the law, health care providers need to give patients who don't have insurance or who are not using
insurance an estimate of the bill for medical items and services. This right comes from the No Surprises Act
(45 CFR 149.610).</p>
<ul>
<li>You have the right to receive a Good Faith Estimate for the total expected cost of any non-emergency
items or services. This includes related costs like medical tests, prescription drugs, equipment and
hospital fees.</li>
<li>Make sure your health care provider gives you a Good Faith Estimate in writing at least 1 business day
before your medical service or item. You can also ask your health care provider, and any other provider you
choose, for a Good Faith Estimate before you schedule an item or service.</li>
<li>If you receive a bill that is at least $400 more than your Good Faith Estimate, you can dispute the
bill.</li>
<li>Make sure to save a copy or picture of your Good Faith Estimate.</li>
</ul>
<p>For questions or more information about your right to a Good Faith Estimate, visit
www.cms.gov/nosurprises or call 1-800-985-3059. To ask {name} for an estimate, use the button on this page
or call {phone}.</p>
"""

NOTICES = [
    {
        "slug": "privacy-practices",
        "title": "Notice of Privacy Practices",
        "meta_description": "How we use and protect your health information, your rights over it, and how to complain.",
        "body": NPP,
    },
    {
        "slug": "nondiscrimination",
        "title": "Notice of nondiscrimination",
        "meta_description": "We treat every patient fairly and offer free aids and interpreters. How to complain if we do not.",
        "body": NONDISCRIMINATION,
    },
    {
        "slug": "language-help",
        "title": "Language help and aids, free of charge",
        "meta_description": "Free interpreters and aids for people with disabilities, with a short message in 16 languages.",
        "body": LANGUAGE_HELP,
    },
    {
        "slug": "accessibility",
        "title": "Accessibility statement",
        "meta_description": "How we make this website and our office work for everyone, and how to ask for help.",
        "body": ACCESSIBILITY,
    },
    {
        "slug": "website-privacy",
        "title": "Website privacy policy",
        "meta_description": "What this website collects when you book, which two cookies it sets and why, and no trackers.",
        "body": WEBSITE_PRIVACY,
    },
    {
        "slug": "good-faith-estimates",
        "title": "Your right to a good faith estimate",
        "meta_description": "Not using insurance? You have the right to a written estimate of what your care will cost.",
        "body": GOOD_FAITH_ESTIMATES,
    },
]

# The Notice of Privacy Practices also has an earlier version, to show how history reads.
EARLIER_NPP_SUMMARY = "First version"
CURRENT_NPP_SUMMARY = "Rewritten in plainer words; added how to get your records electronically"

# (language in English, its own name, BCP 47 code, tagline with {phone}). Samples for a translator to review.
TAGLINES = [
    ("Spanish", "Español", "es",
     "ATENCIÓN: Si habla español, tiene a su disposición servicios gratuitos de asistencia lingüística. Llame al {phone}."),
    ("Chinese (traditional)", "繁體中文", "zh-Hant",
     "注意：如果您說中文，您可以免費獲得語言協助服務。請致電 {phone}。"),
    ("Korean", "한국어", "ko",
     "주의: 한국어를 사용하시는 경우, 언어 지원 서비스를 무료로 이용하실 수 있습니다. {phone} 번으로 전화해 주십시오."),
    ("French", "Français", "fr",
     "ATTENTION : Si vous parlez français, des services d'aide linguistique vous sont proposés gratuitement. Appelez le {phone}."),
    ("Vietnamese", "Tiếng Việt", "vi",
     "CHÚ Ý: Nếu bạn nói Tiếng Việt, chúng tôi có dịch vụ hỗ trợ ngôn ngữ miễn phí dành cho bạn. Hãy gọi số {phone}."),
    ("Amharic", "አማርኛ", "am",
     "ማሳሰቢያ፦ አማርኛ የሚናገሩ ከሆነ የቋንቋ እርዳታ አገልግሎት በነጻ ይቀርብልዎታል። በ {phone} ይደውሉ።"),
    ("Yoruba", "Yorùbá", "yo",
     "ÀKÍYÈSÍ: Bí o bá ń sọ èdè Yorùbá, ìrànlọ́wọ́ lórí èdè wà fún ọ lọ́fẹ̀ẹ́. Pe {phone}."),
    ("Igbo", "Asụsụ Igbo", "ig",
     "NRUBAMA: Ọ bụrụ na ị na-asụ Igbo, ọrụ enyemaka asụsụ dịịrị gị n'efu. Kpọọ {phone}."),
    ("Tagalog", "Tagalog", "tl",
     "PAUNAWA: Kung nagsasalita ka ng Tagalog, maaari kang gumamit ng mga serbisyo ng tulong sa wika nang walang bayad. Tumawag sa {phone}."),
    ("Russian", "Русский", "ru",
     "ВНИМАНИЕ: если вы говорите по-русски, вам доступны бесплатные услуги языковой помощи. Звоните по номеру {phone}."),
    ("Arabic", "العربية", "ar",
     "تنبيه: إذا كنت تتحدث اللغة العربية، فإن خدمات المساعدة اللغوية متاحة لك مجانًا. اتصل على الرقم {phone}."),
    ("Persian (Farsi)", "فارسی", "fa",
     "توجه: اگر به زبان فارسی صحبت می‌کنید، خدمات کمک زبانی به‌صورت رایگان در اختیار شماست. با شماره {phone} تماس بگیرید."),
    ("Urdu", "اردو", "ur",
     "توجہ دیں: اگر آپ اردو بولتے ہیں تو زبان کی مدد کی خدمات آپ کے لیے مفت دستیاب ہیں۔ {phone} پر کال کریں۔"),
    ("Portuguese", "Português", "pt",
     "ATENÇÃO: Se você fala português, há serviços gratuitos de assistência linguística à sua disposição. Ligue para {phone}."),
    ("Nepali", "नेपाली", "ne",
     "ध्यान दिनुहोस्: यदि तपाईं नेपाली बोल्नुहुन्छ भने तपाईंका लागि निःशुल्क भाषा सहायता सेवाहरू उपलब्ध छन्। {phone} मा फोन गर्नुहोस्।"),
    ("Hindi", "हिन्दी", "hi",
     "ध्यान दें: यदि आप हिन्दी बोलते हैं, तो आपके लिए भाषा सहायता सेवाएँ निःशुल्क उपलब्ध हैं। {phone} पर कॉल करें।"),
]
