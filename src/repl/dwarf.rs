//! Variables and their types from DWARF (`gimli`): the locals and parameters in scope at
//! a pc, the globals, where each one lives at run time, and what its type looks like.

use gimli::{AttributeValue, EndianRcSlice, Reader, RunTimeEndian, UnitOffset};
use object::{Object, ObjectSection};
use std::rc::Rc;

type R = EndianRcSlice<RunTimeEndian>;

/// Nesting followed at most when building a type (recursive structures end there).
const MAX_DEPTH: u32 = 6;

/// A type, as far as printing needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// An integer, float, bool or char of `size` bytes.
    Base {
        name: String,
        size: u64,
        encoding: gimli::DwAte,
    },
    /// A pointer (to `None`: void, or deeper than followed).
    Pointer(Option<Box<Type>>),
    /// An array of `count` elements (None: unknown).
    Array(Box<Type>, Option<u64>),
    /// A structure, union or class: its name, size and members (name, offset, type).
    Struct {
        name: String,
        size: u64,
        members: Vec<(String, u64, Type)>,
    },
    /// An enumeration: name, size, enumerators.
    Enum {
        name: String,
        size: u64,
        values: Vec<(String, i64)>,
    },
    /// Anything else (functions, void): its name.
    Other(String),
}

impl Type {
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Type::Base { size, .. } | Type::Struct { size, .. } | Type::Enum { size, .. } => *size,
            Type::Pointer(_) => 8,
            Type::Array(t, n) => t.size() * n.unwrap_or(0),
            Type::Other(_) => 0,
        }
    }

    /// The C spelling, for pointers and casts.
    pub fn name(&self) -> String {
        match self {
            Type::Base { name, .. } | Type::Other(name) => name.clone(),
            Type::Struct { name, .. } => format!("struct {name}"),
            Type::Enum { name, .. } => format!("enum {name}"),
            Type::Pointer(None) => "void *".into(),
            Type::Pointer(Some(t)) => match t.name() {
                inner if inner.ends_with('*') => format!("{inner}*"),
                inner => format!("{inner} *"),
            },
            Type::Array(t, Some(n)) => format!("{} [{n}]", t.name()),
            Type::Array(t, None) => format!("{} []", t.name()),
        }
    }
}

/// Where a variable's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In memory at this address.
    Memory(u64),
    /// In a register (DWARF number).
    Register(u16),
    /// Not stored anywhere: this is the value.
    Value(u64),
}

/// A variable found in scope.
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// A parameter of the function (not a local).
    pub param: bool,
    location: Option<Location>,
    unit: usize,
}

enum Location {
    Expr(gimli::Expression<R>),
    List(gimli::LocationListsOffset),
}

/// What evaluating a location needs from the stopped program.
pub struct Frame<'a> {
    /// The frame's registers by DWARF number.
    pub regs: &'a [Option<u64>],
    /// Its canonical frame address.
    pub cfa: Option<u64>,
    /// The module's load bias.
    pub bias: u64,
    /// Reads memory.
    pub read: &'a mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
}

/// A module's debugging information.
pub struct Debug {
    dwarf: gimli::Dwarf<R>,
    units: Vec<gimli::Unit<R>>,
}

impl Debug {
    /// Reads the DWARF sections of a parsed file (None without `.debug_info`).
    pub fn load(file: &object::File) -> Option<Debug> {
        file.section_by_name(".debug_info")?;
        let endian = RunTimeEndian::Little;
        let load = |id: gimli::SectionId| -> Result<R, gimli::Error> {
            let data = file
                .section_by_name(id.name())
                .and_then(|s| s.uncompressed_data().ok())
                .map(|d| d.into_owned())
                .unwrap_or_default();
            Ok(EndianRcSlice::new(Rc::from(data), endian))
        };
        let dwarf = gimli::Dwarf::load(load).ok()?;
        let mut units = Vec::new();
        let mut headers = dwarf.units();
        while let Ok(Some(h)) = headers.next() {
            if let Ok(u) = dwarf.unit(h) {
                units.push(u);
            }
        }
        Some(Debug { dwarf, units })
    }

    fn name_of(
        &self,
        unit: &gimli::Unit<R>,
        e: &gimli::DebuggingInformationEntry<R>,
    ) -> Option<String> {
        let v = e.attr_value(gimli::DW_AT_name).ok()??;
        let s = self.dwarf.attr_string(unit, v).ok()?;
        Some(s.to_string_lossy().ok()?.into_owned())
    }

    fn contains(
        &self,
        unit: &gimli::Unit<R>,
        e: &gimli::DebuggingInformationEntry<R>,
        pc: u64,
    ) -> bool {
        let Ok(mut ranges) = self.dwarf.die_ranges(unit, e) else {
            return false;
        };
        while let Ok(Some(r)) = ranges.next() {
            if (r.begin..r.end).contains(&pc) {
                return true;
            }
        }
        false
    }

    /// The type of `e` (its DW_AT_type), followed `depth` levels.
    fn type_of(&self, u: usize, e: &gimli::DebuggingInformationEntry<R>, depth: u32) -> Type {
        match e.attr_value(gimli::DW_AT_type) {
            Ok(Some(AttributeValue::UnitRef(off))) => self.type_at(u, off, depth),
            _ => Type::Other("void".into()),
        }
    }

    fn type_at(&self, u: usize, off: UnitOffset, depth: u32) -> Type {
        let unit = &self.units[u];
        let Ok(e) = unit.entry(off) else {
            return Type::Other("?".into());
        };
        let name = self.name_of(unit, &e).unwrap_or_default();
        let size = match e.attr_value(gimli::DW_AT_byte_size) {
            Ok(Some(v)) => v.udata_value().unwrap_or(0),
            _ => 0,
        };
        match e.tag() {
            gimli::DW_TAG_base_type => {
                let encoding = match e.attr_value(gimli::DW_AT_encoding) {
                    Ok(Some(AttributeValue::Encoding(x))) => x,
                    _ => gimli::DW_ATE_signed,
                };
                Type::Base {
                    name,
                    size,
                    encoding,
                }
            }
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => {
                if depth >= MAX_DEPTH {
                    return Type::Pointer(None);
                }
                match e.attr_value(gimli::DW_AT_type) {
                    Ok(Some(AttributeValue::UnitRef(t))) => {
                        Type::Pointer(Some(Box::new(self.type_at(u, t, depth + 1))))
                    }
                    _ => Type::Pointer(None),
                }
            }
            gimli::DW_TAG_typedef
            | gimli::DW_TAG_const_type
            | gimli::DW_TAG_volatile_type
            | gimli::DW_TAG_restrict_type => self.type_of(u, &e, depth),
            gimli::DW_TAG_array_type => {
                let elem = self.type_of(u, &e, depth);
                let mut count = None;
                if let Ok(mut tree) = unit.entries_tree(Some(off)) {
                    if let Ok(root) = tree.root() {
                        let mut children = root.children();
                        if let Ok(Some(child)) = children.next() {
                            let c = child.entry();
                            count = match (
                                c.attr_value(gimli::DW_AT_count),
                                c.attr_value(gimli::DW_AT_upper_bound),
                            ) {
                                (Ok(Some(v)), _) => v.udata_value(),
                                (_, Ok(Some(v))) => v.udata_value().map(|n| n + 1),
                                _ => None,
                            };
                        }
                    }
                }
                Type::Array(Box::new(elem), count)
            }
            gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type => {
                let mut members = Vec::new();
                if depth < MAX_DEPTH {
                    if let Ok(mut tree) = unit.entries_tree(Some(off)) {
                        if let Ok(root) = tree.root() {
                            let mut children = root.children();
                            while let Ok(Some(child)) = children.next() {
                                let c = child.entry();
                                if c.tag() != gimli::DW_TAG_member {
                                    continue;
                                }
                                let at = match c.attr_value(gimli::DW_AT_data_member_location) {
                                    Ok(Some(v)) => v.udata_value().unwrap_or(0),
                                    _ => 0,
                                };
                                let n = self.name_of(unit, c).unwrap_or_default();
                                members.push((n, at, self.type_of(u, c, depth + 1)));
                            }
                        }
                    }
                }
                Type::Struct {
                    name,
                    size,
                    members,
                }
            }
            gimli::DW_TAG_enumeration_type => {
                let mut values = Vec::new();
                if let Ok(mut tree) = unit.entries_tree(Some(off)) {
                    if let Ok(root) = tree.root() {
                        let mut children = root.children();
                        while let Ok(Some(child)) = children.next() {
                            let c = child.entry();
                            let v = match c.attr_value(gimli::DW_AT_const_value) {
                                Ok(Some(v)) => {
                                    v.sdata_value().or(v.udata_value().map(|x| x as i64))
                                }
                                _ => None,
                            };
                            if let (Some(n), Some(v)) = (self.name_of(unit, c), v) {
                                values.push((n, v));
                            }
                        }
                    }
                }
                Type::Enum { name, size, values }
            }
            _ => Type::Other(if name.is_empty() { "?".into() } else { name }),
        }
    }

    fn variable(&self, u: usize, e: &gimli::DebuggingInformationEntry<R>) -> Option<Variable> {
        let unit = &self.units[u];
        let name = self.name_of(unit, e)?;
        let location = match e.attr_value(gimli::DW_AT_location).ok()? {
            Some(AttributeValue::Exprloc(x)) => Some(Location::Expr(x)),
            Some(AttributeValue::LocationListsRef(o)) => Some(Location::List(o)),
            Some(AttributeValue::SecOffset(o)) => {
                Some(Location::List(gimli::LocationListsOffset(o)))
            }
            _ => None,
        };
        Some(Variable {
            name,
            ty: self.type_of(u, e, 0),
            param: e.tag() == gimli::DW_TAG_formal_parameter,
            location,
            unit: u,
        })
    }

    /// The variables in scope at file address `pc`, outermost scope first and in
    /// declaration order (a name declared again later shadows the earlier one), with the
    /// function's frame base expression.
    pub fn scope(&self, pc: u64) -> (Vec<Variable>, Option<gimli::Expression<R>>) {
        for (u, unit) in self.units.iter().enumerate() {
            let Ok(mut entries) = unit.entries_tree(None) else {
                continue;
            };
            let Ok(root) = entries.root() else { continue };
            let mut out = Vec::new();
            let mut frame_base = None;
            if self.collect(u, root, pc, &mut out, &mut frame_base) {
                return (out, frame_base);
            }
        }
        (Vec::new(), None)
    }

    /// Walks `node`'s children; true when a function containing `pc` was found (its
    /// variables, outermost block first, are pushed to `out`).
    fn collect(
        &self,
        u: usize,
        node: gimli::EntriesTreeNode<R>,
        pc: u64,
        out: &mut Vec<Variable>,
        frame_base: &mut Option<gimli::Expression<R>>,
    ) -> bool {
        let unit = &self.units[u];
        let mut children = node.children();
        while let Ok(Some(child)) = children.next() {
            let tag = child.entry().tag();
            match tag {
                gimli::DW_TAG_subprogram | gimli::DW_TAG_lexical_block
                    if self.contains(unit, child.entry(), pc) =>
                {
                    if tag == gimli::DW_TAG_subprogram {
                        if let Ok(Some(AttributeValue::Exprloc(x))) =
                            child.entry().attr_value(gimli::DW_AT_frame_base)
                        {
                            *frame_base = Some(x);
                        }
                    }
                    self.collect_scope(u, child, pc, out);
                    return true;
                }
                gimli::DW_TAG_namespace if self.collect(u, child, pc, out, frame_base) => {
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    fn collect_scope(
        &self,
        u: usize,
        node: gimli::EntriesTreeNode<R>,
        pc: u64,
        out: &mut Vec<Variable>,
    ) {
        let unit = &self.units[u];
        let mut inner = None;
        let mut children = node.children();
        while let Ok(Some(child)) = children.next() {
            let e = child.entry();
            match e.tag() {
                gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable => {
                    if let Some(v) = self.variable(u, e) {
                        out.push(v);
                    }
                }
                gimli::DW_TAG_lexical_block if inner.is_none() && self.contains(unit, e, pc) => {
                    inner = Some(e.offset());
                }
                _ => {}
            }
        }
        if let Some(off) = inner {
            if let Ok(mut tree) = unit.entries_tree(Some(off)) {
                if let Ok(root) = tree.root() {
                    self.collect_scope(u, root, pc, out);
                }
            }
        }
    }

    /// The return type of the function containing file address `pc` (None: void or
    /// unknown).
    pub fn return_type(&self, pc: u64) -> Option<Type> {
        for (u, unit) in self.units.iter().enumerate() {
            let mut entries = unit.entries();
            while let Ok(Some((_, e))) = entries.next_dfs() {
                if e.tag() == gimli::DW_TAG_subprogram && self.contains(unit, e, pc) {
                    return match e.attr_value(gimli::DW_AT_type) {
                        Ok(Some(AttributeValue::UnitRef(t))) => Some(self.type_at(u, t, 0)),
                        _ => None,
                    };
                }
            }
        }
        None
    }

    /// The global (unit-level) variable `name`.
    pub fn global(&self, name: &str) -> Option<Variable> {
        for (u, unit) in self.units.iter().enumerate() {
            let Ok(mut tree) = unit.entries_tree(None) else {
                continue;
            };
            let Ok(root) = tree.root() else { continue };
            let mut children = root.children();
            while let Ok(Some(child)) = children.next() {
                let e = child.entry();
                if e.tag() == gimli::DW_TAG_variable
                    && self.name_of(unit, e).as_deref() == Some(name)
                {
                    if let Some(v) = self.variable(u, e).filter(|v| v.location.is_some()) {
                        return Some(v);
                    }
                }
            }
        }
        None
    }

    /// Where `v` is at file address `pc` in `frame`.
    pub fn place(
        &self,
        v: &Variable,
        pc: u64,
        frame_base: Option<&gimli::Expression<R>>,
        frame: &mut Frame,
    ) -> Option<Place> {
        let unit = &self.units[v.unit];
        let expr = match v.location.as_ref()? {
            Location::Expr(x) => x.clone(),
            Location::List(off) => {
                let mut list = self.dwarf.locations(unit, *off).ok()?;
                let mut found = None;
                while let Ok(Some(entry)) = list.next() {
                    if (entry.range.begin..entry.range.end).contains(&pc) {
                        found = Some(entry.data);
                        break;
                    }
                }
                found?
            }
        };
        let base = match frame_base {
            Some(fb) => match self.evaluate(unit, fb.clone(), None, frame)? {
                Place::Memory(a) | Place::Value(a) => Some(a),
                Place::Register(r) => frame.regs.get(r as usize).copied().flatten(),
            },
            None => None,
        };
        self.evaluate(unit, expr, base, frame)
    }

    fn evaluate(
        &self,
        unit: &gimli::Unit<R>,
        expr: gimli::Expression<R>,
        frame_base: Option<u64>,
        frame: &mut Frame,
    ) -> Option<Place> {
        let mut eval = expr.evaluation(unit.encoding());
        let mut r = eval.evaluate().ok()?;
        for _ in 0..64 {
            r = match r {
                gimli::EvaluationResult::Complete => break,
                gimli::EvaluationResult::RequiresRegister { register, .. } => {
                    let v = frame.regs.get(register.0 as usize).copied().flatten()?;
                    eval.resume_with_register(gimli::Value::Generic(v)).ok()?
                }
                gimli::EvaluationResult::RequiresFrameBase => {
                    eval.resume_with_frame_base(frame_base?).ok()?
                }
                gimli::EvaluationResult::RequiresCallFrameCfa => {
                    eval.resume_with_call_frame_cfa(frame.cfa?).ok()?
                }
                gimli::EvaluationResult::RequiresMemory { address, size, .. } => {
                    let b = (frame.read)(address, size as usize)?;
                    let mut buf = [0u8; 8];
                    buf[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
                    eval.resume_with_memory(gimli::Value::Generic(u64::from_le_bytes(buf)))
                        .ok()?
                }
                gimli::EvaluationResult::RequiresRelocatedAddress(a) => {
                    eval.resume_with_relocated_address(a + frame.bias).ok()?
                }
                _ => return None,
            };
        }
        let pieces = eval.result();
        match pieces.first()?.location {
            gimli::Location::Address { address } => Some(Place::Memory(address)),
            gimli::Location::Register { register } => Some(Place::Register(register.0)),
            gimli::Location::Value { value } => Some(Place::Value(value.to_u64(u64::MAX).ok()?)),
            _ => None,
        }
    }
}
