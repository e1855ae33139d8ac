//! The views the rules read a tree through: [`Obj`] (an object's fields,
//! and their order by name), [`List`] and [`Node`] (a value).

use std::fmt;

use serde_json::{Map, Value};

use super::{write_slot, write_text, Item, Slot, Text, Tree};

/// A JSON value of a tree.
#[derive(Clone, Copy)]
pub enum Node<'t> {
    Null,
    Bool(bool),
    /// A number as it was written.
    Num(&'t str),
    Str(&'t str),
    Arr(List<'t>),
    Obj(Obj<'t>),
}

impl<'t> Node<'t> {
    fn of(tree: &'t Tree<'t>, slot: Slot<'t>) -> Node<'t> {
        match slot {
            Slot::Null => Node::Null,
            Slot::Bool(b) => Node::Bool(b),
            Slot::Num(n) => Node::Num(n),
            Slot::Str(s) => Node::Str(tree.text(s)),
            Slot::Arr(span) => Node::Arr(List {
                tree,
                items: tree.items(span),
            }),
            Slot::Obj(span) => Node::Obj(tree.obj(span, false)),
            Slot::Rising(span) => Node::Obj(tree.obj(span, true)),
        }
    }

    /// The text of a flat value (strings and numbers as written,
    /// booleans `true`/`false`, null empty), or `None` for a container.
    pub fn flat(&self) -> Option<&'t str> {
        match self {
            Node::Str(s) | Node::Num(s) => Some(s),
            Node::Bool(true) => Some("true"),
            Node::Bool(false) => Some("false"),
            Node::Null => Some(""),
            Node::Arr(_) | Node::Obj(_) => None,
        }
    }

    /// The value as serde_json holds it (numbers as their text).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Num(n) => n
                .parse::<serde_json::Number>()
                .map_or_else(|_| Value::String(n.to_string()), Value::Number),
            Node::Str(s) => Value::String(s.to_string()),
            Node::Arr(items) => Value::Array(items.iter().map(|n| n.to_value()).collect()),
            Node::Obj(fields) => Value::Object(fields.to_map()),
        }
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

/// An object's fields, in message order.
#[derive(Clone, Copy)]
pub struct Obj<'t> {
    pub(super) tree: &'t Tree<'t>,
    pub(super) items: &'t [Item<'t>],
    /// The fields' indices in byte order of their names, when their
    /// names do not rise as given (empty when they do).
    pub(super) order: &'t [u32],
}

impl<'t> Obj<'t> {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `i`th field's name (`""` past the end).
    pub fn name(&self, i: usize) -> &'t str {
        self.items
            .get(i)
            .map_or("", |item| self.tree.text(item.name))
    }

    /// The `i`th field's value (null past the end).
    pub fn value(&self, i: usize) -> Node<'t> {
        self.items
            .get(i)
            .map_or(Node::Null, |item| Node::of(self.tree, item.slot))
    }

    /// The fields, in message order.
    pub fn iter(&self) -> impl Iterator<Item = (&'t str, Node<'t>)> + 't {
        let tree = self.tree;
        self.items
            .iter()
            .map(move |item| (tree.text(item.name), Node::of(tree, item.slot)))
    }

    /// The names, in message order.
    pub fn names(&self) -> impl Iterator<Item = &'t str> + 't {
        let tree = self.tree;
        self.items.iter().map(move |item| tree.text(item.name))
    }

    /// The value of the first field so named.
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        let i = self.names().position(|k| k == name)?;
        Some(self.value(i))
    }

    /// Whether the names rise in byte order as given (no two alike).
    pub fn names_rise(&self) -> bool {
        self.order.is_empty()
    }

    /// The fields' indices in byte order of their names (a name given
    /// twice, which only form pairs may give, in message order): sorted
    /// once, where the object was read.
    pub fn by_name(&self) -> impl Iterator<Item = usize> + 't {
        let order = self.order;
        (0..self.len()).map(move |k| match order.get(k) {
            Some(i) => *i as usize,
            None => k,
        })
    }

    /// The `i`th value's text as it stands in the text read, when it is
    /// a string without escapes (which a writer may copy as it is, or
    /// replace in place).
    pub fn as_written(&self, i: usize) -> Option<&'t str> {
        match self.items.get(i)?.slot {
            Slot::Str(Text::Borrowed(s)) => Some(s),
            _ => None,
        }
    }

    /// The fields as serde_json holds them.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_value()))
            .collect()
    }

    /// The `i`th field's name written as a JSON string, as
    /// [`Obj::write_value`] writes strings.
    pub fn write_name(&self, i: usize, out: &mut Vec<u8>) {
        if let Some(item) = self.items.get(i) {
            write_text(self.tree, item.name, out);
        }
    }

    /// The `i`th field's value written compact, as serde_json writes a
    /// `Value` (numbers as their text), for a tree read from a JSON text
    /// ([`Tree::read`]): a string borrowed from the text is written as it
    /// is (JSON forbids in a string the characters serde_json escapes,
    /// which the reader refuses raw, so there is nothing to look for:
    /// looking cost seal a spaced line as much as reading it, issue 27).
    /// A tree of decoded values ([`from_map`], [`from_pairs`]), whose
    /// borrowed strings may hold them, has every string escaped.
    pub fn write_value(&self, i: usize, out: &mut Vec<u8>) {
        if let Some(item) = self.items.get(i) {
            write_slot(self.tree, item.slot, out);
        }
    }
}

impl fmt::Debug for Obj<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Value::Object(self.to_map()))
    }
}

/// A list's items, in order.
#[derive(Clone, Copy)]
pub struct List<'t> {
    tree: &'t Tree<'t>,
    items: &'t [Item<'t>],
}

impl<'t> List<'t> {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Node<'t>> + 't {
        let tree = self.tree;
        self.items.iter().map(move |item| Node::of(tree, item.slot))
    }
}
