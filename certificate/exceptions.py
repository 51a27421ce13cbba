"""Every error the certificate format raises on purpose.

Callers catch :class:`CertificateError` for "this certificate or this input is not acceptable",
or one of its branches when they must tell apart a malformed file (the sender's mistake), an
altered certificate (a definite INVALID), a key that cannot be used, and an operation that does
not fit the certificate's state. Errors that are also a built-in kind of error inherit it too, so
code that already catches ``ValueError`` keeps working. Every message names the offending field
or value and what a clerk can do about it.

::

    CertificateError
    ├── CertificateFormatError (ValueError)          the input is not a well-formed certificate part
    │   ├── CertificateJSONError                     not JSON, duplicate keys, NaN
    │   │   └── JSONLimitError                       beyond what a reader accepts
    │   │       ├── JSONTooDeepError                 arrays and objects nested too deep
    │   │       └── JSONNumberTooLongError           a number written with too many characters
    │   ├── CertificateSchemaError                   violates the document model, a type's face
    │   │                                            schema or the sealed-certificate format
    │   ├── UnknownCertificateTypeError              type code not in the registry
    │   ├── CheckCharacterError                      USCC / ID number / identifier check character
    │   ├── SaltError                                a salt is not 16 bytes in canonical base64url
    │   ├── UnknownAlgorithmError                    signature algorithm name or code unknown
    │   ├── DisclosureError                          asked to disclose a field that is not there
    │   └── QRPayloadError                           a QR payload is damaged or not ours
    ├── CertificateIntegrityError                    the certificate does not match its proofs
    │   ├── DigestMismatchError                      content does not hash to the stated digest
    │   ├── SignatureError                           signature or signing key does not match
    │   └── ProofError (also MerkleError)            a Merkle proof does not lead to the root
    │       └── ProofLengthError (ValueError)        a proof or hash has the wrong length
    ├── MerkleError                                  a Merkle tree or proof question fails
    │   ├── MerkleRangeError (ValueError)            a leaf index or tree size outside the tree
    │   └── ProofError                               (above)
    ├── CertificateKeyError (ValueError)             key material cannot be loaded or used
    └── CertificateStateError (ValueError)           operation does not fit sealed / anchored
"""

from __future__ import annotations


class CertificateError(Exception):
    """Root of every error raised on purpose by :mod:`certificate`."""


class CertificateFormatError(CertificateError, ValueError):
    """The input is not a well-formed certificate, document, field, code or proof part."""


class CertificateJSONError(CertificateFormatError):
    """The bytes are not one unambiguous JSON value (bad syntax, duplicate keys, NaN)."""


class JSONLimitError(CertificateJSONError):
    """The JSON may be well-formed but goes beyond what is read at all (see
    :mod:`certificate.json_input`): refused before it is parsed."""


class JSONTooDeepError(JSONLimitError):
    """Arrays and objects are nested deeper than a reader accepts."""


class JSONNumberTooLongError(JSONLimitError):
    """A number is written with more characters than a reader accepts."""


class CertificateSchemaError(CertificateFormatError):
    """A value violates the document model, its type's face-field schema or the sealed format."""


class UnknownCertificateTypeError(CertificateFormatError):
    """The certificate type code is not in the type registry this software was given."""


class CheckCharacterError(CertificateFormatError):
    """A check character (USCC GB 32100, ID number GB 11643, identifier ISO 7064) is wrong."""


class SaltError(CertificateFormatError):
    """A field salt is not exactly 16 bytes written as canonical unpadded base64url."""


class UnknownAlgorithmError(CertificateFormatError):
    """The signature algorithm name or chain code is not one this software implements."""


class DisclosureError(CertificateFormatError):
    """A disclosure names a field the certificate does not have, or one already withheld."""


class QRPayloadError(CertificateFormatError):
    """A QR payload (``HUREN1:``/``HUREN1R:``) is damaged, cut short or not a huren payload."""


class CertificateIntegrityError(CertificateError):
    """The certificate does not match its digest, signature or Merkle proof: it was altered."""


class DigestMismatchError(CertificateIntegrityError):
    """The fields (with their salts and withheld hashes) do not hash to the stated digest."""


class SignatureError(CertificateIntegrityError):
    """The signature does not verify, or the key offered is not the one that signed."""


class MerkleError(CertificateError):
    """A Merkle tree cannot answer the question asked, or a proof does not hold."""


class MerkleRangeError(MerkleError, ValueError):
    """A leaf index or tree size lies outside the tree it was asked of."""


class ProofError(MerkleError, CertificateIntegrityError):
    """A Merkle inclusion or consistency proof does not lead to the expected root."""


class ProofLengthError(ProofError, ValueError):
    """A proof has the wrong number of hashes for its tree sizes, or a hash of the wrong size."""


class CertificateKeyError(CertificateError, ValueError):
    """Key material cannot be loaded or used: bad PEM/DER, wrong passphrase, wrong algorithm."""


class CertificateStateError(CertificateError, ValueError):
    """The operation does not fit the certificate's state (e.g. a second receipt, or none yet)."""
