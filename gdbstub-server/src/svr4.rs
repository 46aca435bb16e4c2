//! The shared-library list gdb asks for (`qXfer:libraries-svr4:read`), as XML, from the
//! replayed process's link map.

use rtt_replay::linkmap::LinkMap;
use std::fmt::Write as _;

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// The `library-list-svr4` document (gdb 13 wants `lmid` on every library).
pub fn library_list(map: &LinkMap) -> String {
    let Some(main) = map.main_lm else {
        return "<library-list-svr4 version=\"1.0\"/>".into();
    };
    let mut xml = format!("<library-list-svr4 version=\"1.0\" main-lm=\"{main:#x}\">");
    for l in &map.libraries {
        let _ = write!(
            xml,
            "<library name=\"{}\" lm=\"{:#x}\" l_addr=\"{:#x}\" l_ld=\"{:#x}\" lmid=\"0x0\"/>",
            escape(&l.name),
            l.lm,
            l.l_addr,
            l.l_ld
        );
    }
    xml.push_str("</library-list-svr4>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtt_replay::linkmap::Library;

    #[test]
    fn libraries_are_listed_with_escaped_names() {
        let map = LinkMap {
            main_lm: Some(0x8000),
            libraries: vec![Library {
                name: "/lib/a&b.so".into(),
                lm: 0x8200,
                l_addr: 0x82000,
                l_ld: 0x8201,
            }],
        };
        assert_eq!(
            library_list(&map),
            "<library-list-svr4 version=\"1.0\" main-lm=\"0x8000\">\
             <library name=\"/lib/a&amp;b.so\" lm=\"0x8200\" l_addr=\"0x82000\" l_ld=\"0x8201\" lmid=\"0x0\"/>\
             </library-list-svr4>"
        );
        assert_eq!(
            library_list(&LinkMap::default()),
            "<library-list-svr4 version=\"1.0\"/>"
        );
    }
}
