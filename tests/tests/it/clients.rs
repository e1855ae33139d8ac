//! The clients merchants already run, against the HTTP sandbox on
//! 127.0.0.1: eopayment for real (pinned, installed by `make test-deps`
//! in target/test-venv), and the exact request shapes of BenMorel/Paybox,
//! nexylan/paybox-direct, ActiveMerchant's PayboxDirectGateway and the
//! official Verifone PrestaShop module — field order, padding, the fields
//! each sends, its test shop — built as each builds them (read from their
//! source) and posted by a real HTTP client; every answer is checked field
//! by field against what those libraries' live tests record the gateway's
//! pre-production platform answering.

use crate::util::{client_python, Sh, START};

/// An answer line's fields, split as the gateway writes them (on `&`,
/// then the first `=`), Latin-1.
fn fields(line: &str) -> Vec<(String, String)> {
    line.split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

fn get<'a>(f: &'a [(String, String)], k: &str) -> Option<&'a str> {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// The steps a script printed: step name → (HTTP status, body).
fn steps(out: &str) -> Vec<(String, u64, String)> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["step"].as_str().unwrap().to_string(),
                v["status"].as_u64().unwrap_or(0),
                v["body"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn step<'a>(all: &'a [(String, u64, String)], name: &str) -> (u64, &'a str) {
    let (_, status, body) = all
        .iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no step {name} in {all:?}"));
    (*status, body.as_str())
}

/// What every answer of the platform has, in its order, and no line end.
#[track_caller]
fn assert_shape(name: &str, body: &str) {
    let names: Vec<String> = fields(body).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        &names[..10],
        [
            "NUMTRANS",
            "NUMAPPEL",
            "NUMQUESTION",
            "SITE",
            "RANG",
            "AUTORISATION",
            "CODEREPONSE",
            "COMMENTAIRE",
            "REFABONNE",
            "PORTEUR"
        ],
        "{name}: {body}"
    );
    assert!(
        !body.ends_with('\n') && !body.ends_with('\r'),
        "{name}: {body:?}"
    );
}

/// Posting helpers shared by the replays: a form body to /PPPS.php, the
/// answer printed as one JSON line (Latin-1 read as such).
const PY_POST: &str = r#"
import datetime, hashlib, hmac, json, sys, time, urllib.parse, urllib.request
URL = sys.argv[1]
KEY = bytes.fromhex('0123456789ABCDEF' * 8)

def post(step, body, path='/PPPS.php', method='POST'):
    data = body.encode('latin-1') if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    if data is not None:
        req.add_header('Content-Type', 'application/x-www-form-urlencoded')
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode('latin-1')
    print(json.dumps({'step': step, 'status': status, 'body': text}), flush=True)
    return dict(p.split('=', 1) for p in text.split('&') if '=' in p)

def php_query(values):
    # PHP's http_build_query (Guzzle's form_params, the official module's
    # curl post): urlencode, spaces as '+'.
    return '&'.join(urllib.parse.quote_plus(k) + '=' + urllib.parse.quote_plus(str(v)) for k, v in values.items())

def php_hmac(values):
    # BenMorel's Paybox::hashHMAC, the official module's signValues:
    # raw name=value pairs in order, hex key, uppercase.
    message = '&'.join('%s=%s' % (k, v) for k, v in values.items())
    return hmac.new(KEY, message.encode('utf-8'), hashlib.sha512).hexdigest().upper()

now = time.time()
validity = time.strftime('%m%y', time.gmtime(now + 86400 * 400))
"#;

#[test]
fn benmorel_paybox_direct_shapes() {
    let sh = Sh::new();
    // BenMorel/Paybox src/PayboxDirect.php execute(): the request's values,
    // then SITE, RANG, VERSION 00104, DATEQ gmdate('dmY') (a date alone),
    // NUMQUESTION '0' + second of the day + 4 digits, HASH, HMAC over
    // them; posted as Guzzle form_params. Its live tests use rank 63.
    let script = format!(
        r#"{START}
python3 - "$URL" <<'EOF'
{PY_POST}
def execute(step, values):
    values['SITE'] = '1999888'
    values['RANG'] = '63'
    values['VERSION'] = '00104'
    values['DATEQ'] = time.strftime('%d%m%Y', time.gmtime())
    frac, secs = str(time.time() % 1)[2:6].ljust(4, '0'), int(time.time())
    execute.n += 1
    values['NUMQUESTION'] = '0' + '%05u' % ((secs + execute.n) % 86400) + frac
    values['HASH'] = 'SHA512'
    values['HMAC'] = php_hmac(values)
    return post(step, php_query(values))
execute.n = 0
card = lambda pan, validity: {{'PORTEUR': pan, 'DATEVAL': validity, 'CVV': '123'}}
a = execute('authorize', dict(TYPE='00001', MONTANT=1000, DEVISE='978', REFERENCE='testCapture-1', **card('1111222233334444', validity)))
execute('capture', dict(TYPE='00002', MONTANT=1000, DEVISE='978', NUMAPPEL=a['NUMAPPEL'], NUMTRANS=a['NUMTRANS'], REFERENCE='testCapture-1'))
execute('inquire', dict(TYPE='00017', NUMTRANS=a['NUMTRANS']))
execute('expired', dict(TYPE='00001', MONTANT=1000, DEVISE='978', REFERENCE='e', **card('1111222233334444', '0101')))
execute('bad_card', dict(TYPE='00001', MONTANT=1000, DEVISE='978', REFERENCE='b', **card('1111222233335555', validity)))
c = execute('authorize_capture', dict(TYPE='00003', MONTANT=1000, DEVISE='978', REFERENCE='testCheck-1', **card('1111222233334444', validity)))
execute('check', dict(TYPE='00011', MONTANT=1000, DEVISE='978', REFERENCE='testCheck-1'))
execute('check_none', dict(TYPE='00011', MONTANT=1000, DEVISE='978', REFERENCE='nothing-such'))
execute('cancel', dict(TYPE='00005', MONTANT=1000, DEVISE='978', REFERENCE='testCheck-1', NUMAPPEL=c['NUMAPPEL'], NUMTRANS=c['NUMTRANS']))
execute('inquire_none', dict(TYPE='00017', NUMTRANS='0000000000'))
EOF
"#
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    let (status, auth) = step(&all, "authorize");
    assert_eq!(status, 200);
    assert_shape("authorize", auth);
    let a = fields(auth);
    assert_eq!(get(&a, "CODEREPONSE"), Some("00000"), "{auth}");
    assert_eq!(get(&a, "COMMENTAIRE"), Some("Demande traitée avec succès"));
    assert_eq!(get(&a, "SITE"), Some("1999888"));
    assert_eq!(get(&a, "RANG"), Some("63"));
    assert_eq!(get(&a, "AUTORISATION"), Some("XXXXXX"));
    assert_eq!(get(&a, "NUMQUESTION").unwrap().len(), 10);
    assert_eq!(get(&a, "PAYS"), None, "PAYS was not asked for: {auth}");
    let capture = fields(step(&all, "capture").1);
    assert_eq!(get(&capture, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&capture, "NUMTRANS"), get(&a, "NUMTRANS"));
    // testInquire: the capture's numbers, and STATUS Capturé (Latin-1).
    let inquire = fields(step(&all, "inquire").1);
    assert_eq!(get(&inquire, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&inquire, "STATUS"), Some("Capturé"));
    assert_eq!(get(&inquire, "NUMAPPEL"), get(&a, "NUMAPPEL"));
    assert_eq!(
        get(&fields(step(&all, "expired").1), "CODEREPONSE"),
        Some("00008")
    );
    let bad = fields(step(&all, "bad_card").1);
    assert_eq!(get(&bad, "CODEREPONSE"), Some("00004"));
    let check = fields(step(&all, "check").1);
    let ac = fields(step(&all, "authorize_capture").1);
    assert_eq!(get(&check, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&check, "NUMTRANS"), get(&ac, "NUMTRANS"));
    assert_eq!(
        get(&fields(step(&all, "check_none").1), "CODEREPONSE"),
        Some("00018")
    );
    assert_eq!(
        get(&fields(step(&all, "cancel").1), "CODEREPONSE"),
        Some("00000")
    );
    assert_eq!(
        get(&fields(step(&all, "inquire_none").1), "CODEREPONSE"),
        Some("00018")
    );
    // Unique numbers: two transactions never share one.
    assert_ne!(get(&a, "NUMTRANS"), get(&ac, "NUMTRANS"));
    assert_ne!(get(&a, "NUMAPPEL"), get(&ac, "NUMAPPEL"));
}

#[test]
fn nexylan_paybox_direct_shapes() {
    let sh = Sh::new();
    // nexylan/paybox-direct src/HttpClient/AbstractHttpClient.php call():
    // the request's parameters, then VERSION, SITE, RANG, IDENTIFIANT, CLE,
    // TYPE as an integer (3), NUMQUESTION a random integer then the
    // answer's + 1, DATEQ dmYHis, ACTIVITE padded to 3; its live tests'
    // shop: 1999888 / 32 / 107904482 / 1999888I, Direct Plus (00104),
    // default activity 027, the Visa test card.
    let script = format!(
        r#"{START}
python3 - "$URL" <<'EOF'
{PY_POST}
question = [690302199]
def call(step, type_, params):
    body = dict(params)
    body.update(VERSION='00104', SITE='1999888', RANG='32', IDENTIFIANT='107904482', CLE='1999888I')
    body['TYPE'] = type_
    body['NUMQUESTION'] = question[0]
    body['DATEQ'] = params.get('DATEQ') or time.strftime('%d%m%Y%H%M%S')
    body['ACTIVITE'] = str(params.get('ACTIVITE', 27)).rjust(3, '0')
    r = post(step, php_query(body))
    question[0] = int(r['NUMQUESTION']) + 1
    return r
card = {{'MONTANT': 40000, 'DEVISE': 978, 'REFERENCE': 'npd_authorizeandcapture_1', 'PORTEUR': '4012001037141112', 'DATEVAL': validity}}
a = call('authorize_capture', 3, dict(DATEQ=None, **card))
call('show_extra', 3, dict(DATEQ=None, **{{'SHA-1': '', 'TYPECARTE': '', 'PAYS': ''}}, **card))
past = (datetime.datetime.now() - datetime.timedelta(days=10)).strftime('%d%m%Y%H%M%S')
call('optional', 1, dict(DATEQ=past, ACTIVITE=21, AUTORISATION='XXXXXX', **card))
call('inquiry', 17, dict(DATEQ=None, MONTANT=41042, NUMTRANS=int(a['NUMTRANS']), NUMAPPEL=int(a['NUMAPPEL'])))
call('refund', 14, dict(DATEQ=None, MONTANT=40000, DEVISE=978, REFERENCE='npd_refund_1', NUMTRANS=int(a['NUMTRANS']), NUMAPPEL=int(a['NUMAPPEL'])))
s = call('register', 56, dict(DATEQ=None, REFABONNE='sub_register_1', CVV='123', **card))
call('subscriber_capture', 53, dict(DATEQ=None, REFABONNE='sub_register_1', **dict(card, PORTEUR=s['PORTEUR'])))
call('delete_fake', 58, dict(DATEQ=None, REFABONNE='fake'))
call('delete', 58, dict(DATEQ=None, REFABONNE='sub_register_1'))
call('bad_bearer', 1, dict(DATEQ=None, **dict(card, PORTEUR='9999999999999999', DATEVAL='1216')))
EOF
"#
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    let (_, ac) = step(&all, "authorize_capture");
    assert_shape("authorize_capture", ac);
    let a = fields(ac);
    // testCallResponseAttributes.
    assert_eq!(get(&a, "CODEREPONSE"), Some("00000"), "{ac}");
    assert_eq!(get(&a, "SITE"), Some("1999888"));
    assert_eq!(get(&a, "RANG"), Some("32"));
    assert_eq!(get(&a, "AUTORISATION"), Some("XXXXXX"));
    assert_eq!(get(&a, "NUMQUESTION"), Some("0690302199"));
    for absent in ["SHA-1", "PAYS", "TYPECARTE"] {
        assert_eq!(get(&a, absent), None, "{absent} not asked for: {ac}");
    }
    // testCallShowExtraAttributes.
    let extra = fields(step(&all, "show_extra").1);
    assert_eq!(
        get(&extra, "SHA-1"),
        Some("678AEDDA00FA890C9056626FFB5699C57BC602B0")
    );
    assert_eq!(get(&extra, "TYPECARTE"), Some("cb2a5.2"));
    assert_eq!(get(&extra, "PAYS"), Some("USA"));
    // testCallWithOptionalParameters: a DATEQ ten days ago, ACTIVITE 021.
    assert_eq!(
        get(&fields(step(&all, "optional").1), "CODEREPONSE"),
        Some("00000")
    );
    // InquiryRequestTest::testInquiryAttributes: a STATUS of the enum, no REMISE.
    let inquiry = fields(step(&all, "inquiry").1);
    assert_eq!(get(&inquiry, "STATUS"), Some("Capturé"));
    assert_eq!(get(&inquiry, "REMISE"), None);
    assert_eq!(
        get(&fields(step(&all, "refund").1), "CODEREPONSE"),
        Some("00000")
    );
    // SubscriberRegisterRequestTest: the subscriber and a token.
    let register = fields(step(&all, "register").1);
    assert_eq!(get(&register, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&register, "REFABONNE"), Some("sub_register_1"));
    assert!(!get(&register, "PORTEUR").unwrap().is_empty());
    let sub = fields(step(&all, "subscriber_capture").1);
    assert_eq!(get(&sub, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&sub, "PORTEUR"), get(&register, "PORTEUR"));
    // SubscriberDeleteRequestTest: 00017 "PAYBOX : Abonné inexistant";
    // a real one deleted, with no authorisation and no token.
    let fake = fields(step(&all, "delete_fake").1);
    assert_eq!(get(&fake, "CODEREPONSE"), Some("00017"));
    assert_eq!(
        get(&fake, "COMMENTAIRE"),
        Some("PAYBOX : Abonné inexistant")
    );
    let delete = fields(step(&all, "delete").1);
    assert_eq!(get(&delete, "CODEREPONSE"), Some("00000"));
    assert_eq!(get(&delete, "AUTORISATION"), Some(""));
    assert_eq!(get(&delete, "PORTEUR"), Some(""));
    // testCallInvalidBearer.
    let bad = fields(step(&all, "bad_bearer").1);
    assert_eq!(get(&bad, "CODEREPONSE"), Some("00004"));
    assert_eq!(
        get(&bad, "COMMENTAIRE"),
        Some("PAYBOX : Numéro de porteur invalide")
    );
}

#[test]
fn activemerchant_paybox_direct_shapes() {
    let sh = Sh::new();
    // activemerchant lib/active_merchant/billing/gateways/paybox_direct.rb:
    // the operation's fields, MONTANT padded to 10, DEVISE, then VERSION
    // 00103, TYPE, DATEQ, NUMQUESTION, SITE and RANG cut from the login,
    // CLE, PAYS= and ARCHIVAGE= always; names upcased, values CGI.escape'd.
    let script = format!(
        r#"{START}
python3 - "$URL" <<'EOF'
{PY_POST}
n = [341744]
def commit(step, type_, money, post_, cle='1999888I', login='1999888222'):
    p = dict(post_)
    p['montant'] = ('0000000000' + str(money))[-10:]
    p['devise'] = '978'
    n[0] += 1
    p.update(version='00103', type=type_, dateq=time.strftime('%d%m%Y%H%M%S'),
             numquestion=('0000000000' + str(n[0]))[-10:], site=login[:7], rang=login[7:],
             cle=cle, pays='', archivage='')
    return post(step, '&'.join(k.upper() + '=' + urllib.parse.quote_plus(str(v)) for k, v in p.items()))
card = lambda pan: {{'reference': '1', 'porteur': pan, 'dateval': validity, 'cvv': '123'}}
p = commit('purchase', '00003', 100, card('1111222233334444'))
auth = p['NUMAPPEL'] + p['NUMTRANS']
commit('void', '00005', 100, {{'reference': '1', 'numappel': auth[:10], 'numtrans': auth[10:20], 'porteur': '000000000000000', 'dateval': '0000'}})
p2 = commit('purchase2', '00003', 100, card('1111222233334444'))
auth2 = p2['NUMAPPEL'] + p2['NUMTRANS']
commit('partial_refund', '00014', 50, {{'reference': '1', 'numappel': auth2[:10], 'numtrans': auth2[10:20]}})
commit('declined', '00003', 100, card('1111222233334445'))
commit('failed_capture', '00002', 100, {{'reference': '1', 'numappel': '', 'numtrans': ''}})
commit('invalid_login', '00003', 100, card('1111222233334444'), cle='1999888F', login='199988899')
EOF
"#
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    let (_, purchase) = step(&all, "purchase");
    assert_shape("purchase", purchase);
    let p = fields(purchase);
    assert_eq!(get(&p, "CODEREPONSE"), Some("00000"), "{purchase}");
    assert_eq!(get(&p, "RANG"), Some("222"));
    // PAYS= was sent (empty): the card's country comes back, last, with
    // no line end after it (activemerchant would read '250\n').
    assert!(purchase.ends_with("&PAYS=FRA"), "{purchase:?}");
    // test_purchase_and_void: the void's dummy card data is not read.
    let void = fields(step(&all, "void").1);
    assert_eq!(get(&void, "CODEREPONSE"), Some("00000"));
    assert_eq!(
        get(&void, "COMMENTAIRE"),
        Some("Demande traitée avec succès")
    );
    assert_eq!(
        get(&fields(step(&all, "partial_refund").1), "CODEREPONSE"),
        Some("00000")
    );
    let declined = fields(step(&all, "declined").1);
    assert_eq!(
        get(&declined, "COMMENTAIRE"),
        Some("PAYBOX : Numéro de porteur invalide")
    );
    assert_eq!(
        get(&fields(step(&all, "failed_capture").1), "COMMENTAIRE"),
        Some("Invalid data")
    );
    let login = fields(step(&all, "invalid_login").1);
    assert_eq!(get(&login, "CODEREPONSE"), Some("00006"));
    assert_eq!(get(&login, "COMMENTAIRE"), Some("Non autorise"));
}

#[test]
fn the_official_verifone_module_shapes() {
    let sh = Sh::new();
    // PayboxByVerifone/PrestaShop classes/PayboxHelper.php: checkUrls()
    // first (GET /load.html must answer 200), then _callDirect(): ksorted
    // fields, SITE %07d, RANG %03d, MONTANT / NUMAPPEL / NUMQUESTION /
    // NUMTRANS %010d, IDENTIFIANT, ACTIVITE 024, HASH, HMAC over them.
    let script = format!(
        r#"{START}
python3 - "$URL" <<'EOF'
{PY_POST}
post('load', None, path='/load.html', method='GET')
# The authorisation a Paybox System payment made (here by Direct).
a = post('authorize', php_query(dict(VERSION='00103', TYPE='00001', SITE='1999888', RANG='032', CLE='1999888I',
          NUMQUESTION='0000000001', MONTANT='0000001000', DEVISE='978', REFERENCE='42', PORTEUR='1111222233334444',
          DATEVAL=validity, CVV='123', DATEQ=time.strftime('%d%m%Y%H%M%S'))))
def call_direct(step, type_, amount, q):
    fields = dict(ACTIVITE='024', VERSION='00103', DATEQ=time.strftime('%d%m%Y%H%M%S'), DEVISE='%03d' % 978,
                  IDENTIFIANT='107904482', MONTANT='%010d' % amount, NUMAPPEL='%010d' % int(a['NUMAPPEL']),
                  NUMQUESTION='%010d' % (int(time.time()) + q), NUMTRANS='%010d' % int(a['NUMTRANS']),
                  RANG='%03d' % 32, REFERENCE='42 - Jerome Muller', SITE='%07d' % 1999888, TYPE=type_, HASH='SHA512')
    fields = dict(sorted(fields.items()))
    fields['HMAC'] = php_hmac(fields)
    return post(step, php_query(fields))
call_direct('capture', '00002', 1000, 0)
call_direct('refund', '00014', 400, 1)
EOF
"#
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    assert_eq!(step(&all, "load").0, 200);
    let (_, capture) = step(&all, "capture");
    assert_shape("capture", capture);
    let c = fields(capture);
    assert_eq!(get(&c, "CODEREPONSE"), Some("00000"), "{capture}");
    assert_eq!(get(&c, "RANG"), Some("032"));
    assert_eq!(
        get(&fields(step(&all, "refund").1), "CODEREPONSE"),
        Some("00000")
    );
    let body = capture;
    assert!(body.contains("&REFABONNE=&PORTEUR="), "{body}");
}

#[test]
fn eopayment_validates_and_cancels_against_the_sandbox() {
    let sh = Sh::new();
    let python = client_python();
    // eopayment 3.15's Paybox backend: validate() posts TYPE 00002 and
    // cancel() TYPE 00055, NUMQUESTION = the transaction's NUMTRANS, to
    // PAYBOX_DIRECT_URLS[platform] (pointed at the sandbox, as a merchant's
    // test settings would), and reads the answer with parse_qsl.
    let script = format!(
        r#"{START}
"{python}" - "$URL" <<'EOF'
{PY_POST}
from decimal import Decimal
from eopayment import paybox, common
paybox.PAYBOX_DIRECT_URLS['test'] = URL + '/PPPS.php'
backend = paybox.Payment(dict(platform='test', site='1999888', rang='32', identifiant='107904482',
                              cle='1999888I', shared_secret='0123456789ABCDEF' * 8))
def authorize(q, ref):
    return post('authorize' + str(q), 'VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=%d&MONTANT=1000&DEVISE=978&REFERENCE=%s&PORTEUR=1111222233334444&DATEVAL=%s&CVV=123' % (q, ref, validity))
a = authorize(1, 'ORDER-1')
bank_data = dict(numero_transaction=[a['NUMTRANS']], numero_appel=[a['NUMAPPEL']], reference=['ORDER-1'])
data = backend.validate(Decimal('10.00'), bank_data)
print(json.dumps({{'step': 'validate', 'status': 0, 'body': '&'.join('%s=%s' % kv for kv in data.items())}}))
b = authorize(2, 'ORDER-2')
try:
    backend.cancel(Decimal('10.00'), dict(numero_transaction=[b['NUMTRANS']], numero_appel=[b['NUMAPPEL']], reference=['ORDER-2']))
    print(json.dumps({{'step': 'cancel', 'status': 0, 'body': 'accepted'}}))
except common.ResponseError as e:
    print(json.dumps({{'step': 'cancel', 'status': 1, 'body': str(e)}}))
post('inquiry', 'VERSION=00103&TYPE=00017&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=3&NUMTRANS=' + a['NUMTRANS'])
EOF
"#,
        python = python.display()
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    let validate = fields(step(&all, "validate").1);
    assert_eq!(get(&validate, "CODEREPONSE"), Some("00000"), "{out}");
    assert_eq!(
        get(&validate, "COMMENTAIRE"),
        Some("Demande traitée avec succès")
    );
    // Nothing after the last field: eopayment read PAYS='\n' before.
    assert_eq!(get(&validate, "PORTEUR"), Some(""));
    assert_eq!(get(&validate, "PAYS"), None);
    let (refused, why) = step(&all, "cancel");
    assert_eq!(refused, 1, "00055 without REFABONNE is refused: {out}");
    assert!(why.contains("PAYBOX : Abonné inexistant"), "{why}");
    assert!(why.contains("a plain cancel is TYPE 00005"), "{why}");
    assert_eq!(
        get(&fields(step(&all, "inquiry").1), "STATUS"),
        Some("Capturé")
    );
}

#[test]
fn eopayment_sips2_validates_cancels_and_diagnoses_against_the_sandbox() {
    let sh = Sh::new();
    let python = client_python();
    // eopayment 3.15's sips2 backend: perform_cash_management_operation()
    // posts cashManagement/validate and /cancel, diagnostic() posts
    // diagnostic/getTransactionData, to WS_URL[platform] (pointed at the
    // sandbox). Its platform 'prod' checks the response's seal (the test
    // platform does not seal, its source says), so the seal is checked.
    let script = format!(
        r#"{START}
"{python}" - "$URL" <<'EOF'
import json, sys, urllib.request
from decimal import Decimal
from eopayment import sips2, common
URL = sys.argv[1]
sips2.Payment.WS_URL['prod'] = URL
backend = sips2.Payment(dict(platform='prod', merchant_id='201040040170001',
                             secret_key='rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54', key_version='1'))
def order(reference, mode):
    data = dict(amount='1000', cardCSCValue='123', cardExpiryDate='209912', cardNumber='1111222233334444',
                currencyCode='978', interfaceVersion='IR_WS_2.55', keyVersion='1', merchantId='201040040170001',
                orderChannel='INTERNET', transactionReference=reference, captureMode=mode)
    data['seal'] = backend.get_seal_for_json_ws_data(data)
    req = urllib.request.Request(URL + '/rs-services/v2/checkout/cardOrder', data=json.dumps(data).encode(),
                                 headers={{'Content-Type': 'application/json'}})
    with urllib.request.urlopen(req, timeout=20) as r:
        return json.load(r)
def show(step, value):
    print(json.dumps({{'step': step, 'status': 0, 'body': json.dumps(value, sort_keys=True)}}))
show('order', order('EOP1', 'VALIDATION'))
show('validate', backend.validate(Decimal('10.00'), {{'transactionReference': 'EOP1'}}))
order('EOP2', 'AUTHOR_CAPTURE')
show('cancel', backend.cancel(Decimal('4.00'), {{'transactionReference': 'EOP2'}}))
show('diagnostic', backend.diagnostic(Decimal('0'), {{'transactionReference': 'EOP2'}}))
try:
    backend.cancel(Decimal('99.00'), {{'transactionReference': 'EOP2'}})
    show('too_much', 'accepted')
except common.ResponseError as e:
    show('too_much', str(e))
EOF
"#,
        python = python.display()
    );
    let out = sh.ok(&script);
    let all = steps(&out);
    let json =
        |name: &str| -> serde_json::Value { serde_json::from_str(step(&all, name).1).unwrap() };
    let order = json("order");
    assert_eq!(order["responseCode"], "00", "{out}");
    for absent in ["amount", "currencyCode", "merchantId"] {
        assert!(order.get(absent).is_none(), "{absent}: {order}");
    }
    let validate = json("validate");
    assert_eq!(validate["responseCode"], "00", "{out}");
    assert_eq!(validate["newStatus"], "TO_CAPTURE", "{out}");
    assert!(validate.get("seal").is_some());
    let cancel = json("cancel");
    assert_eq!(cancel["newAmount"], 600, "{out}");
    assert!(cancel.get("transactionReference").is_none(), "{cancel}");
    let diagnostic = json("diagnostic");
    assert_eq!(diagnostic["transactionStatus"], "TO_CAPTURE", "{out}");
    assert_eq!(diagnostic["getTransDataResponseCode"], "00", "{out}");
    assert_eq!(diagnostic["currentAmount"], 600, "{out}");
    let too_much = step(&all, "too_much").1;
    assert!(too_much.contains("'responseCode': '24'"), "{too_much}");
}
