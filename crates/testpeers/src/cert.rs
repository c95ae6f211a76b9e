//! Reads the subject CN of a client certificate, the one thing INSi looks at to grant access.
//! rustls has already verified the chain when this runs; a DER walk of a few lines spares the build
//! a full X.509 crate.

/// One DER element: tag, content, and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// id-at-commonName, 2.5.4.3.
const CN_OID: &[u8] = &[0x55, 0x04, 0x03];

/// Every CN of the certificate's subject (a certificate may carry several; INSi wants exactly one).
pub fn subject_common_names(der: &[u8]) -> Option<Vec<String>> {
    let (tag, cert, _) = tlv(der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, tbs, _) = tlv(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut rest = tbs;
    // Optional [0] version, then serialNumber, signature, issuer, validity: subject is the next one.
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..4 {
        rest = tlv(rest)?.2;
    }
    let (tag, mut name, _) = tlv(rest)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut names = Vec::new();
    while !name.is_empty() {
        let (tag, mut rdn, next) = tlv(name)?;
        if tag != SET {
            return None;
        }
        while !rdn.is_empty() {
            let (tag, attribute, next_attr) = tlv(rdn)?;
            if tag != SEQUENCE {
                return None;
            }
            let (tag, oid, value) = tlv(attribute)?;
            if tag == OID && oid == CN_OID {
                let (tag, text, _) = tlv(value)?;
                // UTF8String, PrintableString, IA5String: the string types CAs use for a CN.
                if matches!(tag, 0x0c | 0x13 | 0x16) {
                    names.push(String::from_utf8_lossy(text).into_owned());
                }
            }
            rdn = next_attr;
        }
        name = next;
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(tlv(&[0x04, 0x01, 0xaa, 0xbb]), Some((0x04, &[0xaa][..], &[0xbb][..])));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(0u8, 0x80));
        assert_eq!(tlv(&long).map(|(_, c, _)| c.len()), Some(0x80));
        assert_eq!(tlv(&[0x04, 0x05, 0x00]), None);
        assert_eq!(subject_common_names(&[0x30, 0x00]), None);
    }
}
