//! A plan document's bytes to numbered lines. Plain text keeps its own lines exactly (only the
//! line ends and a byte order mark go), so every citation can be checked against the file as
//! sent; a .docx, .html or .pdf becomes one line per paragraph (table rows: cells joined by tabs),
//! and that text is what is stored and cited.

use std::io::{Cursor, Read};

use serde::Serialize;

use crate::error::Said;

/// The largest document accepted: a long plan with its annexes is well under 1 MB of text.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;
/// What a .docx may unpack to; more is an archive built to exhaust memory.
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most lines a document may have (the longest seed compilation has 6 000).
pub const MAX_LINES: usize = 100_000;

/// What the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq)]
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
        if looks_like_html(&text) { (Format::Html, html_lines(&text)) } else { (Format::Text, text_lines(&text)) }
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
    if lines.len() > MAX_LINES {
        return Err(Said::new(
            format!("文件有 {} 行，超过 {MAX_LINES} 行的上限", lines.len()),
            format!("the document has {} lines, more than the limit of {MAX_LINES}", lines.len()),
        ));
    }
    Ok(DocumentText { format, lines })
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

/// A plain text's own lines: only `\r` line ends go, nothing is renumbered.
fn text_lines(text: &str) -> Vec<String> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned()).collect()
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(512).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body") || head.contains("<head")
}

/// One line per block element (paragraph, heading, list item, table row); cells joined by tabs.
fn html_lines(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let mut lines = vec![String::new()];
    walk_html(*document.root_element(), &mut lines);
    tidy(lines)
}

fn walk_html(node: ego_tree::NodeRef<'_, scraper::Node>, lines: &mut Vec<String>) {
    for child in node.children() {
        match child.value() {
            scraper::Node::Text(text) => {
                // Source line breaks inside a paragraph are only wrapping.
                let piece: String = text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
                lines.last_mut().expect("one line at least").push_str(&piece);
            }
            scraper::Node::Element(element) => {
                let name = element.name();
                if matches!(name, "script" | "style" | "head" | "noscript" | "template") {
                    continue;
                }
                let block = matches!(
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
                );
                if block {
                    lines.push(String::new());
                }
                if matches!(name, "td" | "th") && !lines.last().is_some_and(|l| l.trim().is_empty()) {
                    lines.last_mut().expect("one line at least").push('\t');
                }
                walk_html(child, lines);
                if block {
                    lines.push(String::new());
                }
            }
            _ => {}
        }
    }
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
    let mut lines = Vec::new();
    for node in document.descendants().filter(|n| n.has_tag_name((WORD, "p")) || n.has_tag_name((WORD, "tr"))) {
        if node.has_tag_name((WORD, "p")) && node.ancestors().any(|a| a.has_tag_name((WORD, "tr"))) {
            continue; // read with its row
        }
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

/// The text layer of a PDF. A malformed PDF can make the reader panic: that is an error, not a crash.
fn pdf_lines(bytes: &[u8]) -> Result<Vec<String>, Said> {
    let bytes = bytes.to_vec();
    let read = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes));
    match read {
        Ok(Ok(text)) => Ok(tidy(text.split('\n').map(str::to_owned).collect())),
        _ => Err(Said::new("PDF 无法读取（文件损坏或已加密）", "the PDF cannot be read (damaged or encrypted)")),
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
