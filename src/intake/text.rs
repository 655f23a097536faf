//! A plan document's bytes to numbered lines. Plain text keeps its own lines exactly (only the
//! line ends and a byte order mark go), so every citation can be checked against the file as
//! sent; a .docx, .html or .pdf becomes one line per paragraph (table rows: cells joined by tabs),
//! and that text is what is stored and cited.

use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};

use crate::error::Said;

/// The largest document accepted: a long plan with its annexes is well under 1 MB of text.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;
/// What a .docx may unpack to; more is an archive built to exhaust memory.
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most lines a document may have (the longest seed compilation has 6 000).
pub const MAX_LINES: usize = 100_000;
/// The most text a document may hold, in bytes of UTF-8: the longest seed compilation holds
/// 1.3 MB. A .docx, web page or PDF of 5 MB can unpack to far more.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// What the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Docx,
    Html,
    Pdf,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Docx => "docx",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// A document as text, one entry per line; `lines[0]` is line 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentText {
    pub format: Format,
    pub lines: Vec<String>,
}

impl DocumentText {
    /// The text as stored: lines joined by `\n`, so splitting it again gives the same numbering.
    pub fn joined(&self) -> String {
        self.lines.join("\n")
    }

    pub fn from_stored(format: Format, text: &str) -> DocumentText {
        DocumentText { format, lines: text.split('\n').map(str::to_owned).collect() }
    }
}

/// Reads a document of any accepted kind, recognised by its bytes (a name can lie).
pub fn read_document(bytes: &[u8]) -> Result<DocumentText, Said> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Said::new(
            format!("文件为 {} 字节，超过 {} MB 的上限", bytes.len(), MAX_DOCUMENT_BYTES >> 20),
            format!("the document is {} bytes, more than the {} MB limit", bytes.len(), MAX_DOCUMENT_BYTES >> 20),
        ));
    }
    let (format, lines) = if bytes.starts_with(b"%PDF-") {
        (Format::Pdf, pdf_lines(bytes)?)
    } else if bytes.starts_with(b"PK\x03\x04") {
        (Format::Docx, docx_lines(bytes)?)
    } else {
        let text = decode(bytes)?;
        if looks_like_html(&text) { (Format::Html, html_lines(&text)?) } else { (Format::Text, text_lines(&text)) }
    };
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(match format {
            Format::Pdf => Said::new(
                "PDF 中没有文字层（可能是扫描件）：请提交带文字的 PDF，或 Word、网页、纯文本版本",
                "the PDF has no text layer (a scan?): send a PDF with text, or the Word, web page or plain text version",
            ),
            _ => Said::new("文件中没有文字", "the document has no text"),
        });
    }
    if format == Format::Pdf && reads_as_one_glyph(&lines) {
        return Err(Said::new(
            "PDF 的文字层读不出原文（几乎每个字都读成同一个字符，常见于字体未带字符映射的 PDF）：请提交 Word、网页或纯文本版本",
            "the PDF's text layer does not give the text (almost every character reads as the same one, as when its fonts carry no character map): send the Word, web page or plain text version",
        ));
    }
    let text_bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    if text_bytes > MAX_TEXT_BYTES {
        return Err(Said::new(
            format!("文件的文字超过 {} MB 的上限", MAX_TEXT_BYTES >> 20),
            format!("the document holds more than {} MB of text, the limit", MAX_TEXT_BYTES >> 20),
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(Said::new(
            format!("文件有 {} 行，超过 {MAX_LINES} 行的上限", lines.len()),
            format!("the document has {} lines, more than the limit of {MAX_LINES}", lines.len()),
        ));
    }
    Ok(DocumentText { format, lines })
}

/// A text layer that reads as one glyph over and over (a PDF whose fonts map every character to
/// the same code): in no text a plan is written in does one character fill half the places.
fn reads_as_one_glyph(lines: &[String]) -> bool {
    let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    let mut total = 0;
    for c in lines.iter().flat_map(|l| l.chars()).filter(|c| !c.is_whitespace()) {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    total >= 50 && counts.values().max().is_some_and(|&top| top * 2 > total)
}

/// UTF-8 (with or without BOM) or GB18030, as uploads are read; control bytes mean it is no text.
fn decode(bytes: &[u8]) -> Result<String, Said> {
    let not_text = || {
        Said::new(
            "文件不是文本（含有二进制内容）：请提交纯文本（UTF-8 或 GB18030）、Word (.docx)、网页 (.html) 或 PDF",
            "the document is not text (it holds binary content): send plain text (UTF-8 or GB18030), Word (.docx), a web page (.html) or a PDF",
        )
    };
    // A NUL never occurs in a text; GB18030 would otherwise read almost any bytes as characters.
    if bytes.contains(&0) {
        return Err(not_text());
    }
    let decoded = crate::ingest::decode_text(bytes, None).map_err(|_| not_text())?;
    let text = decoded.text.into_owned();
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) {
        return Err(not_text());
    }
    Ok(text)
}

/// A plain text's own lines: only `\r` line ends go, nothing is renumbered. A text with `\r`
/// line ends alone (old Mac editors) has its lines split there, as any editor shows them.
fn text_lines(text: &str) -> Vec<String> {
    if !text.contains('\n') && text.contains('\r') {
        return text.split('\r').map(str::to_owned).collect();
    }
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned()).collect()
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(512).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body") || head.contains("<head")
}

/// The deepest nesting a web page (or a Word document's XML) may have. Real pages stay under a hundred; the HTML parser's
/// work grows with tags × depth, so a page nested a hundred thousand deep would take hours.
const MAX_HTML_DEPTH: usize = 1_000;

/// One line per block element (paragraph, heading, list item, table row); cells joined by tabs.
/// Walked without recursion.
fn html_lines(html: &str) -> Result<Vec<String>, Said> {
    use ego_tree::iter::Edge;
    if nesting_exceeds(html, MAX_HTML_DEPTH) {
        return Err(Said::new(
            format!("网页的元素嵌套超过 {MAX_HTML_DEPTH} 层，无法读取：请提交纯文本或 Word 版本"),
            format!(
                "the web page nests elements more than {MAX_HTML_DEPTH} deep and is not read: send the plain text or Word version"
            ),
        ));
    }
    let document = scraper::Html::parse_document(html);
    let mut lines = vec![String::new()];
    // Inside script, style and the like, nothing is text of the plan.
    let mut hidden_depth = 0usize;
    for edge in document.root_element().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                scraper::Node::Text(text) if hidden_depth == 0 => {
                    // Source line breaks inside a paragraph are only wrapping.
                    let piece: String = text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
                    lines.last_mut().expect("one line at least").push_str(&piece);
                }
                scraper::Node::Element(element) => {
                    if is_hidden(element.name()) || hidden_depth > 0 {
                        hidden_depth += usize::from(is_hidden(element.name()));
                        continue;
                    }
                    if is_block(element.name()) {
                        lines.push(String::new());
                    }
                    if matches!(element.name(), "td" | "th") && !lines.last().is_some_and(|l| l.trim().is_empty()) {
                        lines.last_mut().expect("one line at least").push('\t');
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let scraper::Node::Element(element) = node.value() {
                    if is_hidden(element.name()) {
                        hidden_depth = hidden_depth.saturating_sub(1);
                    } else if hidden_depth == 0 && is_block(element.name()) {
                        lines.push(String::new());
                    }
                }
            }
        }
    }
    Ok(tidy(lines))
}

/// Whether the elements of a page nest deeper than `limit`, as the HTML parser will build them
/// (one linear scan): a start tag opens an element — `<div/>` too, HTML ignores the slash — but
/// void elements (`<br>`) do not; an end tag closes its element and those opened inside it, and
/// one that closes nothing is ignored; a `<p>`, `<li>`, `<tr>` … opened while one is open closes
/// it first, and so does a block (`<div>`, `<table>` …) an open `<p>`. Comments and declarations
/// are skipped.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    const VOID: [&str; 14] =
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
    const CLOSES_ITS_KIND: [&str; 9] = ["p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody"];
    // Block elements whose start tag closes an open paragraph (HTML's "close a p element").
    const CLOSES_P: [&str; 32] = [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "main",
        "menu",
        "nav",
        "ol",
        "pre",
        "section",
        "summary",
        "table",
        "ul",
        "xmp",
    ];
    let bytes = html.as_bytes();
    let mut open = OpenElements::default();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<') {
        let start = at + offset + 1;
        let end = bytes[start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |e| start + e);
        let tag = &html[start..end];
        at = end;
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || VOID.contains(&name.as_str()) {
            continue;
        }
        if closing || CLOSES_ITS_KIND.contains(&name.as_str()) {
            open.close(&name);
        }
        if !closing && CLOSES_P.contains(&name.as_str()) {
            open.close("p");
        }
        if !closing && open.open(name) > limit {
            return true;
        }
    }
    false
}

/// The elements open at a point of a page, innermost last, with how many of each name are open.
#[derive(Default)]
struct OpenElements {
    stack: Vec<String>,
    count: std::collections::HashMap<String, usize>,
}

impl OpenElements {
    /// Opens an element; answers the depth.
    fn open(&mut self, name: String) -> usize {
        *self.count.entry(name.clone()).or_default() += 1;
        self.stack.push(name);
        self.stack.len()
    }

    /// Closes the innermost open element of this name and every one inside it; nothing when none
    /// is open.
    fn close(&mut self, name: &str) {
        if self.count.get(name).is_none_or(|&count| count == 0) {
            return;
        }
        while let Some(closed) = self.stack.pop() {
            if let Some(count) = self.count.get_mut(&closed) {
                *count -= 1;
            }
            if closed == name {
                break;
            }
        }
    }
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "head" | "noscript" | "template")
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "tr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "table"
            | "section"
            | "article"
            | "blockquote"
            | "pre"
            | "ul"
            | "ol"
            | "dt"
            | "dd"
            | "title"
    )
}

/// Trims each line and drops empty ones: block elements give many.
fn tidy(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

/// The paragraphs of `word/document.xml`, in order; a table row is one line.
fn docx_lines(bytes: &[u8]) -> Result<Vec<String>, Said> {
    let not_docx = || {
        Said::new(
            "文件是压缩包但不是 Word 文档 (.docx)：缺少 word/document.xml",
            "the file is an archive but not a Word document (.docx): word/document.xml is missing",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_docx())?;
    let mut entry = archive.by_name("word/document.xml").map_err(|_| not_docx())?;
    if entry.size() > MAX_UNPACKED_BYTES {
        return Err(Said::new(
            format!("Word 文档解压后为 {} MB，超过 {} MB 的上限", entry.size() >> 20, MAX_UNPACKED_BYTES >> 20),
            format!(
                "the Word document unpacks to {} MB, more than the {} MB limit",
                entry.size() >> 20,
                MAX_UNPACKED_BYTES >> 20
            ),
        ));
    }
    let mut xml = String::new();
    // The size in the archive's directory can lie; the read is bounded either way.
    (&mut entry).take(MAX_UNPACKED_BYTES + 1).read_to_string(&mut xml).map_err(|_| not_docx())?;
    let document = roxmltree::Document::parse(&xml).map_err(|e| {
        Said::new(
            format!("Word 文档的 document.xml 无法解析：{e}"),
            format!("the Word document's XML cannot be read: {e}"),
        )
    })?;
    if xml_deeper_than(&document, MAX_HTML_DEPTH) {
        return Err(Said::new(
            format!("Word 文档的元素嵌套超过 {MAX_HTML_DEPTH} 层，无法读取"),
            format!("the Word document nests elements more than {MAX_HTML_DEPTH} deep and is not read"),
        ));
    }
    let mut lines = Vec::new();
    for node in outermost_lines(&document) {
        let line = if node.has_tag_name((WORD, "tr")) {
            node.children()
                .filter(|c| c.has_tag_name((WORD, "tc")))
                .map(|cell| word_text(cell))
                .collect::<Vec<_>>()
                .join("\t")
        } else {
            word_text(node)
        };
        lines.push(line);
    }
    Ok(tidy(lines))
}

const WORD: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The paragraphs and table rows not inside another, in document order: a paragraph in a table
/// row, or nested in another paragraph (Word never writes one, a hostile file may a thousand deep
/// around a million more), is read with the outermost, each run once. One walk that does not
/// enter a line it has taken: looking up each paragraph's ancestors instead cost paragraphs ×
/// depth (minutes for a 150 KB file).
fn outermost_lines<'a, 'input>(document: &'a roxmltree::Document<'input>) -> Vec<roxmltree::Node<'a, 'input>> {
    let is_line = |n: &roxmltree::Node<'_, '_>| n.has_tag_name((WORD, "p")) || n.has_tag_name((WORD, "tr"));
    let mut lines = Vec::new();
    let mut to_visit = vec![document.root()];
    while let Some(node) = to_visit.pop() {
        if is_line(&node) {
            lines.push(node);
        } else {
            // Reversed onto the stack, so the first child is visited first.
            let children: Vec<_> = node.children().collect();
            to_visit.extend(children.into_iter().rev());
        }
    }
    lines
}

/// Whether elements nest deeper than `limit` (one pass): the paragraph reading below looks up
/// and down the tree from each paragraph, which a hostile nesting would make quadratic.
fn xml_deeper_than(document: &roxmltree::Document<'_>, limit: usize) -> bool {
    // Pre-order: a parent's depth is known before its children's.
    let mut depth = vec![0usize; document.descendants().count()];
    for node in document.descendants() {
        let here = node.parent().map_or(0, |p| depth.get(p.id().get_usize()).copied().unwrap_or(0) + 1);
        if here > limit {
            return true;
        }
        if let Some(slot) = depth.get_mut(node.id().get_usize()) {
            *slot = here;
        }
    }
    false
}

/// The text runs of a paragraph or cell, tabs and breaks as spaces.
fn word_text(node: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for n in node.descendants() {
        if n.has_tag_name((WORD, "t")) {
            out.push_str(n.text().unwrap_or(""));
        } else if n.has_tag_name((WORD, "tab"))
            || n.has_tag_name((WORD, "br"))
            // A paragraph inside a cell starts after a space, not glued to the one before.
            || (n.has_tag_name((WORD, "p")) && !out.is_empty() && n != node)
        {
            out.push(' ');
        }
    }
    out
}

/// The text layer of a PDF, each page starting a line of its own. A malformed PDF can make the
/// reader panic: that is an error, not a crash.
fn pdf_lines(bytes: &[u8]) -> Result<Vec<String>, Said> {
    let bytes = bytes.to_vec();
    let read = std::panic::catch_unwind(move || pdf_text(&bytes));
    match read {
        Ok(Ok(text)) => Ok(tidy(String::from_utf8_lossy(&text).split('\n').map(str::to_owned).collect())),
        _ => Err(Said::new("PDF 无法读取（文件损坏或已加密）", "the PDF cannot be read (damaged or encrypted)")),
    }
}

/// pdf-extract's plain text, with a line break after each page (its own runs the last line of a
/// page into the first of the next).
fn pdf_text(bytes: &[u8]) -> Result<Vec<u8>, pdf_extract::OutputError> {
    let mut document = pdf_extract::Document::load_mem(bytes)?;
    if document.is_encrypted() {
        // Many PDFs are "encrypted" with an empty password only to forbid editing.
        document.decrypt("")?;
    }
    let text = SharedText::default();
    let mut writer = text.clone();
    let mut output =
        PagedText { lines: pdf_extract::PlainTextOutput::new(&mut writer as &mut dyn Write), text: text.clone() };
    pdf_extract::output_doc(&document, &mut output)?;
    drop(output);
    Ok(text.0.take())
}

/// Text written by pdf-extract, and by [`PagedText`] between its pages.
#[derive(Clone, Default)]
struct SharedText(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for SharedText {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// pdf-extract's plain-text output, ending each page with a line break.
struct PagedText<'a> {
    lines: pdf_extract::PlainTextOutput<&'a mut dyn Write>,
    text: SharedText,
}

impl pdf_extract::OutputDev for PagedText<'_> {
    fn begin_page(
        &mut self,
        page: u32,
        media_box: &pdf_extract::MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.lines.begin_page(page, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.lines.end_page()?;
        self.text.0.borrow_mut().push(b'\n');
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        self.lines.output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.lines.begin_word()
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.lines.end_word()
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.lines.end_line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_its_own_line_numbers() {
        let text = "标题\r\n\r\n  到2020年，实际光纤入户率达到70%。\n";
        let read = read_document(text.as_bytes()).unwrap();
        assert_eq!(read.format, Format::Text);
        assert_eq!(read.lines, vec!["标题", "", "  到2020年，实际光纤入户率达到70%。", ""]);
        let old_mac = read_document("标题\r到2020年，实际光纤入户率达到70%。".as_bytes()).unwrap();
        assert_eq!(old_mac.lines, vec!["标题", "到2020年，实际光纤入户率达到70%。"]);
    }

    #[test]
    fn gb18030_text_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("到2020年，开放数据集超过5000项。");
        let read = read_document(&bytes).unwrap();
        assert_eq!(read.lines[0], "到2020年，开放数据集超过5000项。");
    }

    #[test]
    fn html_blocks_become_lines_and_cells_tabs() {
        let html = "<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body>\
                    <h1>上海市规划</h1><p>到2020年，\n实际光纤入户率达到70%。</p>\
                    <table><tr><td>指标</td><td>2015年</td><td>2020年</td></tr></table></body></html>";
        let read = read_document(html.as_bytes()).unwrap();
        assert_eq!(read.format, Format::Html);
        assert_eq!(read.lines, vec!["上海市规划", "到2020年， 实际光纤入户率达到70%。", "指标\t2015年\t2020年"]);
    }

    #[test]
    fn a_page_nested_too_deep_is_refused_at_once_and_a_deep_one_read() {
        let nested = |depth: usize| {
            format!("<html><body>{}到2030年，建成平台。{}</body></html>", "<div>".repeat(depth), "</div>".repeat(depth))
        };
        let started = std::time::Instant::now();
        let refused = read_document(nested(400_000).as_bytes()).unwrap_err();
        assert!(refused.zh.contains("嵌套超过") && refused.en.contains("nests"), "{refused:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused before parsing");
        let read = read_document(nested(900).as_bytes()).unwrap();
        assert!(read.lines.iter().any(|l| l == "到2030年，建成平台。"));
    }

    #[test]
    fn slashes_and_stray_end_tags_do_not_hide_nesting_and_unclosed_paragraphs_do_not_nest() {
        let page = |body: String| format!("<html><body>{body}到2030年，建成平台。</body></html>");
        for body in ["<div/>".repeat(24_000), "<div></x>".repeat(24_000), "<div><p>".repeat(12_000)] {
            let started = std::time::Instant::now();
            let refused = read_document(page(body).as_bytes()).unwrap_err();
            assert!(refused.en.contains("nests"), "{refused:?}");
            assert!(started.elapsed() < std::time::Duration::from_secs(2), "refused before parsing");
        }
        let unclosed =
            page("<p>到2020年，实际光纤入户率达到70%。".repeat(5_000) + &"<ul><li>一<li>二</ul>".repeat(2_000));
        let read = read_document(unclosed.as_bytes()).unwrap();
        assert_eq!(read.lines.iter().filter(|l| l.contains("光纤")).count(), 5_000);
    }

    #[test]
    fn paragraphs_nested_in_paragraphs_are_read_once() {
        use std::io::Write;
        let text = "到2030年，建成平台达到70%。".repeat(200);
        let xml = format!(
            "<w:document xmlns:w=\"{WORD}\"><w:body>{}<w:r><w:t>{text}</w:t></w:r>{}<w:p><w:r><w:t>完</w:t></w:r></w:p></w:body></w:document>",
            "<w:p>".repeat(900),
            "</w:p>".repeat(900)
        );
        let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
        archive.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        archive.write_all(xml.as_bytes()).unwrap();
        let read = read_document(&archive.finish().unwrap().into_inner()).unwrap();
        assert_eq!(read.lines, vec![text, "完".to_owned()]);
    }

    #[test]
    fn a_document_unpacking_to_more_text_than_the_limit_is_refused() {
        use std::io::Write;
        let paragraph = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "到2030年，建成平台。".repeat(1_000));
        let xml = format!("<w:document xmlns:w=\"{WORD}\"><w:body>{}</w:body></w:document>", paragraph.repeat(400));
        let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
        archive.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        archive.write_all(xml.as_bytes()).unwrap();
        let bytes = archive.finish().unwrap().into_inner();
        assert!(bytes.len() < MAX_DOCUMENT_BYTES);
        let refused = read_document(&bytes).unwrap_err();
        assert!(refused.zh.contains("超过 8 MB"), "{refused:?}");
    }

    #[test]
    fn a_word_document_nested_too_deep_is_refused() {
        use std::io::Write;
        let depth = 100_000;
        let xml = format!(
            "<w:document xmlns:w=\"{WORD}\"><w:body>{}<w:r><w:t>到2030年</w:t></w:r>{}</w:body></w:document>",
            "<w:p>".repeat(depth),
            "</w:p>".repeat(depth)
        );
        let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
        archive.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        archive.write_all(xml.as_bytes()).unwrap();
        let bytes = archive.finish().unwrap().into_inner();
        let started = std::time::Instant::now();
        let refused = read_document(&bytes).unwrap_err();
        assert!(refused.en.contains("nests") || refused.en.contains("cannot be read"), "{refused:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn empty_binary_and_oversized_documents_are_refused() {
        assert!(read_document(b"").unwrap_err().en.contains("no text"));
        assert!(read_document(b"  \n \n").unwrap_err().en.contains("no text"));
        assert!(read_document(b"\x00\x01\x02abc").unwrap_err().en.contains("not text"));
        let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        assert!(read_document(&big).unwrap_err().zh.contains("超过 5 MB"));
        assert!(read_document(b"PK\x03\x04 not a zip").unwrap_err().en.contains("not a Word document"));
        assert!(read_document(b"%PDF-1.4 garbage").unwrap_err().en.contains("cannot be read"));
    }
}
