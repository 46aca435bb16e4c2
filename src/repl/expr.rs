//! `print` expressions: variables, `*p`, `&x`, `a.b`, `p->x`, `a[i]`, numbers, `$reg`,
//! and casts to integer types; evaluated to typed values and shown the way gdb shows them.

use super::dwarf::Type;

/// A value: its type, its bytes, and where it lives (for `&`, `watch` and members).
#[derive(Debug, Clone)]
pub struct Value {
    /// Its type.
    pub ty: Type,
    /// Its bytes (little endian).
    pub bytes: Vec<u8>,
    /// Its address, when it is in memory.
    pub addr: Option<u64>,
}

/// What evaluating needs from the stopped program.
pub trait Context {
    /// The variable `name` in scope (locals first, then globals).
    fn variable(&mut self, name: &str) -> Result<Value, String>;
    /// Register `name` (without `$`).
    fn register(&mut self, name: &str) -> Option<u64>;
    /// `len` bytes at `addr`.
    fn read(&mut self, addr: u64, len: usize) -> Option<Vec<u8>>;
    /// The symbol at `addr` (`name` or `name+off`), for pointers.
    fn symbol(&mut self, _addr: u64) -> Option<String> {
        None
    }
}

fn long() -> Type {
    Type::Base {
        name: "long".into(),
        size: 8,
        encoding: gimli::DW_ATE_signed,
    }
}

/// The integer types a cast may name.
fn cast_type(name: &str) -> Option<Type> {
    let (size, signed) = match name.trim() {
        "char" | "signed char" => (1, true),
        "unsigned char" => (1, false),
        "short" | "short int" => (2, true),
        "unsigned short" => (2, false),
        "int" => (4, true),
        "unsigned" | "unsigned int" => (4, false),
        "long" | "long int" | "long long" => (8, true),
        "unsigned long" | "unsigned long long" | "size_t" => (8, false),
        _ => return None,
    };
    let encoding = match (size, signed) {
        (1, true) => gimli::DW_ATE_signed_char,
        (1, false) => gimli::DW_ATE_unsigned_char,
        (_, true) => gimli::DW_ATE_signed,
        _ => gimli::DW_ATE_unsigned,
    };
    Some(Type::Base {
        name: name.trim().into(),
        size,
        encoding,
    })
}

/// Evaluates `text`.
pub fn evaluate(text: &str, cx: &mut dyn Context) -> Result<Value, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        cx,
    };
    let v = p.binary(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(format!(
            "A syntax error in expression, near `{}'.",
            &text[p.i..]
        ));
    }
    Ok(v)
}

struct Parser<'a, 'c> {
    s: &'a [u8],
    i: usize,
    cx: &'c mut dyn Context,
}

impl Parser<'_, '_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(t.as_bytes()) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        (self.i > start && !self.s[start].is_ascii_digit())
            .then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
            .or_else(|| {
                self.i = start;
                None
            })
    }

    /// Binary operators on integers, by precedence climbing.
    fn binary(&mut self, min: u8) -> Result<Value, String> {
        const OPS: [(&str, u8); 15] = [
            ("||", 1),
            ("&&", 2),
            ("==", 3),
            ("!=", 3),
            ("<=", 4),
            (">=", 4),
            ("<<", 5),
            (">>", 5),
            ("<", 4),
            (">", 4),
            ("+", 6),
            ("-", 6),
            ("*", 7),
            ("/", 7),
            ("%", 7),
        ];
        let mut left = self.unary()?;
        loop {
            self.ws();
            let rest = &self.s[self.i..];
            let Some(&(op, prec)) = OPS.iter().find(|(o, _)| rest.starts_with(o.as_bytes())) else {
                return Ok(left);
            };
            if prec < min || rest.starts_with(b"->") {
                return Ok(left);
            }
            self.i += op.len();
            let right = self.binary(prec + 1)?;
            let (a, b) = (int(&left), int(&right));
            let n = match op {
                "||" => i64::from(a != 0 || b != 0),
                "&&" => i64::from(a != 0 && b != 0),
                "==" => i64::from(a == b),
                "!=" => i64::from(a != b),
                "<=" => i64::from(a <= b),
                ">=" => i64::from(a >= b),
                "<" => i64::from(a < b),
                ">" => i64::from(a > b),
                "<<" => a.wrapping_shl(b as u32),
                ">>" => a.wrapping_shr(b as u32),
                "+" => a.wrapping_add(b),
                "-" => a.wrapping_sub(b),
                "*" => a.wrapping_mul(b),
                "/" | "%" if b == 0 => return Err("Division by zero".into()),
                "/" => a.wrapping_div(b),
                _ => a.wrapping_rem(b),
            };
            let ty = if matches!(op, "||" | "&&" | "==" | "!=" | "<=" | ">=" | "<" | ">") {
                Type::Base {
                    name: "int".into(),
                    size: 4,
                    encoding: gimli::DW_ATE_signed,
                }
            } else {
                long()
            };
            let size = ty.size() as usize;
            left = Value {
                ty,
                bytes: n.to_le_bytes()[..size].to_vec(),
                addr: None,
            };
        }
    }

    fn load(&mut self, ty: Type, addr: u64) -> Result<Value, String> {
        let bytes = self
            .cx
            .read(addr, ty.size() as usize)
            .ok_or_else(|| format!("Cannot access memory at address {addr:#x}"))?;
        Ok(Value {
            ty,
            bytes,
            addr: Some(addr),
        })
    }

    fn unary(&mut self) -> Result<Value, String> {
        if self.eat("*") {
            let v = self.unary()?;
            let target = match &v.ty {
                Type::Pointer(Some(t)) => (**t).clone(),
                Type::Array(t, _) => (**t).clone(),
                Type::Pointer(None) => {
                    return Err("Attempt to take contents of a non-pointer value.".into())
                }
                _ => return Err("Attempt to take contents of a non-pointer value.".into()),
            };
            let addr = match &v.ty {
                Type::Array(..) => v.addr.ok_or("array without address")?,
                _ => int(&v) as u64,
            };
            return self.load(target, addr);
        }
        if self.eat("&") {
            let v = self.unary()?;
            let addr = v
                .addr
                .ok_or("Attempt to take address of value not located in memory.")?;
            return Ok(Value {
                ty: Type::Pointer(Some(Box::new(v.ty))),
                bytes: addr.to_le_bytes().to_vec(),
                addr: None,
            });
        }
        if self.eat("-") {
            let v = self.unary()?;
            let n = int(&v).wrapping_neg();
            return Ok(Value {
                ty: long(),
                bytes: n.to_le_bytes().to_vec(),
                addr: None,
            });
        }
        let save = self.i;
        if self.eat("(") {
            let close = self.s[self.i..].iter().position(|&c| c == b')');
            if let Some(n) = close {
                let name = String::from_utf8_lossy(&self.s[self.i..self.i + n]).into_owned();
                if let Some(ty) = cast_type(&name) {
                    self.i += n + 1;
                    let v = self.unary()?;
                    let n = int(&v);
                    let size = ty.size() as usize;
                    return Ok(Value {
                        ty,
                        bytes: n.to_le_bytes()[..size].to_vec(),
                        addr: None,
                    });
                }
            }
            self.i = save;
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Value, String> {
        let mut v = self.primary()?;
        loop {
            if self.eat("->") {
                let target = match &v.ty {
                    Type::Pointer(Some(t)) => (**t).clone(),
                    _ => return Err("The -> operator needs a pointer to a structure.".into()),
                };
                let base = self.load(target, int(&v) as u64)?;
                v = self.member(base)?;
            } else if self.eat(".") {
                v = self.member(v)?;
            } else if self.eat("[") {
                let idx = self.unary()?;
                if !self.eat("]") {
                    return Err("A syntax error in expression: missing `]'.".into());
                }
                let (elem, base) = match &v.ty {
                    Type::Array(t, _) => ((**t).clone(), v.addr.ok_or("array without address")?),
                    Type::Pointer(Some(t)) => ((**t).clone(), int(&v) as u64),
                    _ => return Err("cannot subscript something of that type".into()),
                };
                let at = base.wrapping_add((int(&idx) as u64).wrapping_mul(elem.size()));
                v = self.load(elem, at)?;
            } else {
                return Ok(v);
            }
        }
    }

    fn member(&mut self, v: Value) -> Result<Value, String> {
        self.ws();
        let digits: String = self.s[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .map(|&c| c as char)
            .collect();
        // A tuple field (`pair.1`) is `__1` in Rust's DWARF.
        let name = if digits.is_empty() {
            self.ident().ok_or("A member name is needed.")?
        } else {
            self.i += digits.len();
            format!("__{digits}")
        };
        let Type::Struct { members, .. } = &v.ty else {
            return Err(format!(
                "Attempt to extract a component of a value that is not a structure: {name}"
            ));
        };
        let (_, off, ty) = members
            .iter()
            .find(|m| m.0 == name)
            .ok_or_else(|| format!("There is no member named {name}."))?;
        let (off, size) = (*off as usize, ty.size() as usize);
        let bytes = v
            .bytes
            .get(off..off + size)
            .ok_or("member outside its structure")?;
        Ok(Value {
            ty: ty.clone(),
            bytes: bytes.to_vec(),
            addr: v.addr.map(|a| a + off as u64),
        })
    }

    fn primary(&mut self) -> Result<Value, String> {
        if self.eat("(") {
            let v = self.unary()?;
            if !self.eat(")") {
                return Err("A syntax error in expression: missing `)'.".into());
            }
            return Ok(v);
        }
        if self.eat("$") {
            let name = self.ident().ok_or("A register name is needed after $.")?;
            let n = self
                .cx
                .register(&name)
                .ok_or_else(|| format!("no register ${name}"))?;
            return Ok(Value {
                ty: long(),
                bytes: n.to_le_bytes().to_vec(),
                addr: None,
            });
        }
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric()) {
            self.i += 1;
        }
        let word = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        if word.is_empty() {
            return Err("A syntax error in expression.".into());
        }
        if word.as_bytes()[0].is_ascii_digit() {
            let n = match word.strip_prefix("0x") {
                Some(h) => i64::from_str_radix(h, 16),
                None => word.parse(),
            }
            .map_err(|_| format!("Invalid number \"{word}\"."))?;
            return Ok(Value {
                ty: long(),
                bytes: n.to_le_bytes().to_vec(),
                addr: None,
            });
        }
        self.i = start;
        let name = self.ident().ok_or("A syntax error in expression.")?;
        self.cx.variable(&name)
    }
}

/// A value read as a (sign-extended) integer.
pub fn int(v: &Value) -> i64 {
    let mut buf = [0u8; 8];
    let n = v.bytes.len().min(8);
    buf[..n].copy_from_slice(&v.bytes[..n]);
    let raw = u64::from_le_bytes(buf);
    let signed = matches!(
        v.ty,
        Type::Base { encoding, .. } if encoding == gimli::DW_ATE_signed || encoding == gimli::DW_ATE_signed_char
    ) || matches!(v.ty, Type::Enum { .. });
    if signed && n > 0 && n < 8 {
        let shift = 64 - 8 * n as u32;
        ((raw << shift) as i64) >> shift
    } else {
        raw as i64
    }
}

/// Shows a value as gdb does.
pub fn show(v: &Value, cx: &mut dyn Context) -> String {
    match &v.ty {
        Type::Base { encoding, size, .. } => {
            let e = *encoding;
            if e == gimli::DW_ATE_float {
                let mut buf = [0u8; 8];
                buf[..v.bytes.len().min(8)].copy_from_slice(&v.bytes[..v.bytes.len().min(8)]);
                return if *size == 4 {
                    format!("{}", f32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]))
                } else {
                    format!("{}", f64::from_le_bytes(buf))
                };
            }
            if e == gimli::DW_ATE_boolean {
                return (int(v) != 0).to_string();
            }
            let n = int(v);
            if e == gimli::DW_ATE_signed_char || e == gimli::DW_ATE_unsigned_char {
                return format!("{n} '{}'", (n as u8 as char).escape_default());
            }
            n.to_string()
        }
        Type::Enum { values, .. } => {
            let n = int(v);
            values
                .iter()
                .find(|(_, x)| *x == n)
                .map_or_else(|| n.to_string(), |(name, _)| name.clone())
        }
        Type::Pointer(target) => {
            let p = int(v) as u64;
            let is_char = matches!(target.as_deref(), Some(Type::Base { size: 1, encoding, .. })
                if *encoding == gimli::DW_ATE_signed_char || *encoding == gimli::DW_ATE_unsigned_char);
            if is_char && p != 0 {
                if let Some(b) = cx.read(p, 200) {
                    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                    return format!(
                        "{p:#x} \"{}\"",
                        String::from_utf8_lossy(&b[..end]).escape_default()
                    );
                }
            }
            let sym = cx.symbol(p).map(|n| format!(" <{n}>")).unwrap_or_default();
            match target.as_deref() {
                Some(Type::Other(_)) => format!("{p:#x}{sym}"),
                _ => format!("({}) {p:#x}{sym}", v.ty.name()),
            }
        }
        Type::Array(elem, _) => {
            let size = elem.size() as usize;
            if size == 0 {
                return "{}".into();
            }
            let items: Vec<String> = v
                .bytes
                .chunks(size)
                .map(|c| {
                    show(
                        &Value {
                            ty: (**elem).clone(),
                            bytes: c.to_vec(),
                            addr: None,
                        },
                        cx,
                    )
                })
                .collect();
            format!("{{{}}}", collapse(&items).join(", "))
        }
        Type::Struct { members, .. } => {
            let parts: Vec<String> = members
                .iter()
                .map(|(name, off, ty)| {
                    let (o, s) = (*off as usize, ty.size() as usize);
                    let bytes = v.bytes.get(o..o + s).unwrap_or(&[]).to_vec();
                    let m = Value {
                        ty: ty.clone(),
                        bytes,
                        addr: v.addr.map(|a| a + *off),
                    };
                    format!("{name} = {}", show(&m, cx))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Type::Other(name) => format!("<{name}>"),
    }
}

/// gdb's `<repeats N times>` for runs of ten or more equal elements.
fn collapse(items: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let mut j = i;
        while j < items.len() && items[j] == items[i] {
            j += 1;
        }
        if j - i >= 10 {
            out.push(format!("{} <repeats {} times>", items[i], j - i));
        } else {
            out.extend(items[i..j].iter().cloned());
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn int_ty(size: u64) -> Type {
        Type::Base {
            name: "int".into(),
            size,
            encoding: gimli::DW_ATE_signed,
        }
    }

    /// A fake program: a few variables in a small memory.
    struct Fake {
        mem: HashMap<u64, u8>,
        vars: HashMap<String, (Type, u64)>,
    }

    impl Fake {
        fn put(&mut self, at: u64, bytes: &[u8]) {
            for (i, b) in bytes.iter().enumerate() {
                self.mem.insert(at + i as u64, *b);
            }
        }
    }

    impl Context for Fake {
        fn variable(&mut self, name: &str) -> Result<Value, String> {
            let (ty, addr) = self
                .vars
                .get(name)
                .cloned()
                .ok_or_else(|| format!("No symbol \"{name}\" in current context."))?;
            let bytes = self.read(addr, ty.size() as usize).ok_or("unreadable")?;
            Ok(Value {
                ty,
                bytes,
                addr: Some(addr),
            })
        }
        fn register(&mut self, name: &str) -> Option<u64> {
            (name == "rax").then_some(7)
        }
        fn read(&mut self, addr: u64, len: usize) -> Option<Vec<u8>> {
            (0..len as u64)
                .map(|i| self.mem.get(&(addr + i)).copied())
                .collect()
        }
    }

    fn fake() -> Fake {
        let point = Type::Struct {
            name: "point".into(),
            size: 8,
            members: vec![("x".into(), 0, int_ty(4)), ("y".into(), 4, int_ty(4))],
        };
        let mut f = Fake {
            mem: HashMap::new(),
            vars: HashMap::new(),
        };
        f.put(0x100, &(-5i32).to_le_bytes());
        f.put(0x200, &[1, 0, 0, 0, 2, 0, 0, 0]);
        f.put(0x300, &0x200u64.to_le_bytes());
        f.put(0x400, &[3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0]);
        f.vars.insert("n".into(), (int_ty(4), 0x100));
        f.vars.insert("pt".into(), (point.clone(), 0x200));
        f.vars
            .insert("pp".into(), (Type::Pointer(Some(Box::new(point))), 0x300));
        f.vars.insert(
            "arr".into(),
            (Type::Array(Box::new(int_ty(4)), Some(3)), 0x400),
        );
        f
    }

    fn p(e: &str) -> String {
        let mut f = fake();
        match evaluate(e, &mut f) {
            Ok(v) => show(&v, &mut f),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn variables_members_pointers_arrays() {
        assert_eq!(p("n"), "-5");
        assert_eq!(p("pt"), "{x = 1, y = 2}");
        assert_eq!(p("pt.y"), "2");
        assert_eq!(p("pp->x"), "1");
        assert_eq!(p("(*pp).y"), "2");
        assert_eq!(p("arr"), "{3, 4, 5}");
        assert_eq!(p("arr[2]"), "5");
        assert_eq!(p("*arr"), "3");
        assert_eq!(p("&n"), "(int *) 0x100");
        assert_eq!(p("(char)65"), "65 'A'");
        assert_eq!(p("(unsigned char)n"), "251 '\\u{fb}'");
        assert_eq!(p("$rax"), "7");
        assert_eq!(p("0x10"), "16");
        assert_eq!(p("n == -5"), "1");
        assert_eq!(p("pt.x + pt.y * 3"), "7");
        assert_eq!(p("arr[1] > 3 && n < 0"), "1");
        assert_eq!(p("pp->y - 1"), "1");
    }

    #[test]
    fn errors_are_messages() {
        assert!(p("nope").contains("No symbol \"nope\""));
        assert!(p("pt.z").contains("no member named z"));
        assert!(p("n +").contains("syntax error"));
        assert!(p("n / 0").contains("Division by zero"));
        assert!(p("*n").contains("non-pointer"));
        assert_eq!(
            collapse(&vec!["0".to_string(); 12]),
            vec!["0 <repeats 12 times>"]
        );
    }
}
