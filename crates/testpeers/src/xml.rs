//! The peer's own reading of incoming XML: a namespace-resolved tree, kept apart from the client's
//! parser so that a bug in one is caught by the other.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct Node {
    pub ns: String,
    pub name: String,
    /// `(namespace, local name, value)`; namespace declarations are not attributes.
    pub attrs: Vec<(String, String, String)>,
    pub children: Vec<Node>,
    pub text: String,
}

impl Node {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn attr(&self, ns: &str, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, l, _)| n == ns && l == name).map(|(_, _, v)| v.as_str())
    }

    /// `{ns}name`, how errors name an element whatever its prefix was.
    pub fn qualified(&self) -> String {
        if self.ns.is_empty() { self.name.clone() } else { format!("{{{}}}{}", self.ns, self.name) }
    }
}

fn ns_of(resolved: ResolveResult<'_>) -> Result<String, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(AsRef::<str>::as_ref(&ns).to_string()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(format!("undeclared namespace prefix '{prefix}'")),
    }
}

pub fn parse(text: &str) -> Result<Node, String> {
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| format!("malformed XML: {e}"))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err("content after the root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("XML nested too deeply".into());
                }
                let mut node = Node {
                    ns: ns_of(resolved)?,
                    name: AsRef::<str>::as_ref(&start.local_name()).to_string(),
                    ..Node::default()
                };
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| format!("malformed attribute: {e}"))?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (ns, local) = reader.resolver().resolve_attribute(attr.key);
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| format!("malformed attribute: {e}"))?;
                    node.attrs.push((ns_of(ns)?, AsRef::<str>::as_ref(&local).to_string(), value.into_owned()));
                }
                if empty {
                    close(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced end tag")?;
                close(&mut stack, &mut root, node);
            }
            Event::Text(t) => match stack.last_mut() {
                Some(node) => node.text.push_str(&t.xml10_content()),
                None if t.trim().is_empty() => {}
                None => return Err("text outside the root element".into()),
            },
            Event::CData(c) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&c);
                }
            }
            Event::GeneralRef(r) => {
                let value = match r.resolve_char_ref().map_err(|e| format!("bad character reference: {e}"))? {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r).ok_or("unknown entity")?.to_string(),
                };
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&value);
                }
            }
            // SOAP 1.2 forbids a DTD in a message (SOAP 1.2 part 1, §5).
            Event::DocType(_) => return Err("DTD not allowed in a SOAP message".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("truncated XML".into());
    }
    root.ok_or_else(|| "empty document".into())
}

fn close(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}
