//! CSV for operators' spreadsheets (RFC 4180): a UTF-8 byte order mark first, so Excel reads
//! Chinese; CRLF line ends; a cell with a comma, quote or line break quoted, its quotes
//! doubled. A text cell that starts like a formula (`=`, `+`, `-`, `@`, a tab or CR) gets a
//! leading `'` so a spreadsheet shows it rather than runs it (member ids and texts come from
//! outside); numbers are written as they are.

/// The byte order mark a file starts with.
pub const BOM: &str = "\u{feff}";

/// One cell as written.
pub fn cell(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One line: the cells, comma-separated, CRLF-terminated.
pub fn line(cells: &[String]) -> String {
    let mut out = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_it_and_defuses_formulas() {
        assert_eq!(cell("plain 中文"), "plain 中文");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+1"), "+1", "a number stays a number");
        assert_eq!(cell("-7"), "-7");
        assert_eq!(cell("-x"), "'-x");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn a_line_ends_with_crlf() {
        let cells = ["u1".to_owned(), "a,b".to_owned(), String::new()];
        assert_eq!(line(&cells), "u1,\"a,b\",\r\n");
    }
}
