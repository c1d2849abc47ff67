"""A throwaway certificate authority and an agency's signing certificate, made at test time
(nothing is committed): the PKCS#12 file an agency would be given, and the same on a SoftHSM2
token (a PKCS#11 module, as the USB tokens of Vietnamese authorities are)."""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Pki:
    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate

    @classmethod
    def new(cls) -> "Pki":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = _name("CA thử nghiệm Tổng đài 1022", "Tổ chức chứng thực thử nghiệm")
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                             crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    def issue(self, public_key, cn: str, org: str) -> x509.Certificate:
        now = datetime.now(timezone.utc)
        return (x509.CertificateBuilder().subject_name(_name(cn, org)).issuer_name(self.ca.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                               critical=False)
                .sign(self.ca_key, hashes.SHA256()))

    def time_stamp_authority(self):
        """An RFC 3161 authority's certificate from this CA, and pyHanko's test time-stamper that
        answers with it (serve `request_tsa_response` over HTTP to play a TSA)."""
        from asn1crypto import keys as asn1_keys, x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(_name("TSA thử nghiệm", "Tổ chức chứng thực thử nghiệm"))
                .issuer_name(self.ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=30))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                               critical=False)
                .sign(self.ca_key, hashes.SHA256()))
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return DummyTimeStamper(asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
                                asn1_keys.PrivateKeyInfo.load(der))

    def pkcs12_file(self, path: Path, cn: str, org: str, passphrase: str) -> x509.Certificate:
        """An agency's key and certificate (with the CA's) in a PKCS#12 file, as a CA hands it out."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = self.issue(key.public_key(), cn, org)
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"agency", key, cert, [self.ca], serialization.BestAvailableEncryption(passphrase.encode())))
        return cert


@functools.cache
def softhsm_home() -> Path:
    """This process's SoftHSM2 token directory. The module reads its configuration once, when it
    is first loaded into a process: every token of the process lives here (tokens differ by
    label), removed when the process ends."""
    home = Path(tempfile.mkdtemp(prefix="hotline-softhsm-"))
    atexit.register(shutil.rmtree, home, True)
    (home / "tokens").mkdir()
    (home / "softhsm2.conf").write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(home / "softhsm2.conf")
    return home


@functools.cache
def softhsm_token(key_label: str, pin: str, cn: str, org: str) -> tuple[Pki, str, x509.Certificate]:
    """A SoftHSM2 token holding a key made on the token and its certificate from a new CA: (the
    CA, the token's label, the certificate). One per process and arguments: the module, once
    loaded, does not see tokens made after it."""
    pki = Pki.new()
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    softhsm_home()
    label = "hotline-" + secrets.token_hex(4)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                    "--so-pin", pin + "9"], check=True, capture_output=True)
    token = pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        public, _ = session.generate_keypair(KeyType.RSA, 2048, label=key_label, store=True)
        numbers = rsa.RSAPublicNumbers(int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                                       int.from_bytes(public[Attribute.MODULUS], "big"))
        cert = pki.issue(numbers.public_key(), cn, org)
        session.create_object({Attribute.CLASS: ObjectClass.CERTIFICATE,
                               Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
                               Attribute.LABEL: key_label, Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                               Attribute.SUBJECT: cert.subject.public_bytes()})
    return pki, label, cert
