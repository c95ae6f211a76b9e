//! A small namespace-aware XML tree, enough to read SOAP answers whatever prefixes the peer chose.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Deeper than any INSi answer (Envelope/Body/RESULTAT/INDIVIDU/INSACTIF/IdIndividu/…): a bound keeps
/// a hostile document from exhausting the stack.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    /// Namespace URI, empty when the name is in no namespace.
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn children_named<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// Attribute in no namespace (the SOAP and INSi attributes are unqualified).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(ns, n, _)| ns.is_empty() && n == name).map(|(_, _, v)| v.as_str())
    }

    pub fn trimmed_text(&self) -> &str {
        self.text.trim()
    }
}

fn namespace(resolved: ResolveResult<'_>) -> Result<String, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(AsRef::<str>::as_ref(&ns).to_string()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(format!("préfixe d'espace de noms non déclaré : {prefix}")),
    }
}

/// Parses a whole document into its root element. DTDs are refused: SOAP forbids them and they are
/// the usual way to smuggle entity expansion into a parser.
pub(crate) fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| format!("XML mal formé : {e}"))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err("contenu après l'élément racine".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("document XML trop profond".into());
                }
                let ns = namespace(resolved)?;
                let name = AsRef::<str>::as_ref(&start.local_name()).to_string();
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| format!("attribut XML mal formé : {e}"))?;
                    let (attr_ns, local) = reader.resolver().resolve_attribute(attr.key);
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| format!("attribut XML mal formé : {e}"))?;
                    attrs.push((namespace(attr_ns)?, AsRef::<str>::as_ref(&local).to_string(), value.into_owned()));
                }
                let element = Element { ns, name, attrs, children: Vec::new(), text: String::new() };
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("balise fermante sans ouvrante")?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                } else if !text.trim().is_empty() {
                    return Err("texte hors de l'élément racine".into());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved =
                    match reference.resolve_char_ref().map_err(|e| format!("référence XML invalide : {e}"))? {
                        Some(c) => c.to_string(),
                        None => resolve_predefined_entity(&reference)
                            .ok_or_else(|| format!("entité XML inconnue : &{};", &*reference))?
                            .to_string(),
                    };
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err("DTD refusée dans un message SOAP".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("document XML incomplet".into());
    }
    root.ok_or_else(|| "document XML vide".into())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_prefixes_and_default_namespaces() {
        let doc = parse(r#"<a:E xmlns:a="urn:a"><B xmlns="urn:b" k="v&amp;w">x &lt; y&#233;</B><a:C/></a:E>"#).unwrap();
        assert!(doc.is("urn:a", "E"));
        let b = doc.child("urn:b", "B").unwrap();
        assert_eq!(b.text, "x < yé");
        assert_eq!(b.attr("k"), Some("v&w"));
        assert!(doc.child("urn:a", "C").is_some());
    }

    #[test]
    fn refuses_dtd_unknown_prefix_and_garbage() {
        assert!(parse(r#"<!DOCTYPE x [<!ENTITY e "z">]><x>&e;</x>"#).is_err());
        assert!(parse("<p:x/>").is_err());
        assert!(parse("<x>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<x/><y/>").is_err());
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(parse(&deep).is_err());
    }
}
