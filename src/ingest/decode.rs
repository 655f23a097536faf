//! Bytes to text. Chinese Excel saves CSV as GB18030/GBK by default; others save UTF-8, with or
//! without a BOM. Valid UTF-8 is taken as UTF-8; anything else is decoded as GB18030 (a superset
//! of GBK) unless the caller names the encoding. A file named GBK that is in fact UTF-8 with
//! Chinese text is refused rather than stored as mojibake, and a UTF-16 file ("Unicode text" in
//! Excel) is recognised and explained.

use std::str::FromStr;

use encoding_rs::{GB18030, UTF_8};

use super::{Why, why};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Utf8,
    Gb18030,
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(Encoding::Gb18030),
            other => Err(format!("unknown encoding `{other}`: use utf-8 or gb18030 (gbk)")),
        }
    }
}

/// Decoded text and the encoding it was read in.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// Borrowed from the bytes when they are UTF-8 already.
    pub text: std::borrow::Cow<'a, str>,
    pub encoding: Encoding,
}

/// Decodes `bytes`; a forced encoding must fit the bytes exactly, or the reason is returned.
pub fn decode(bytes: &[u8], forced: Option<Encoding>) -> Result<Decoded<'_>, Why> {
    if looks_like_utf16(bytes) {
        return Err(why(
            "encoding",
            "the file is UTF-16 (Excel's \"Unicode text\"): save it as \"CSV UTF-8\" and upload again",
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8”后重新上传",
        ));
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF");
    match forced {
        Some(Encoding::Utf8) => std::str::from_utf8(without_bom.unwrap_or(bytes))
            .map(|t| Decoded { text: t.into(), encoding: Encoding::Utf8 })
            .map_err(|e| {
                why(
                    "encoding",
                    format!("the file is not valid UTF-8 (byte {}); is it GB18030/GBK?", e.valid_up_to()),
                    format!("文件不是有效的 UTF-8 编码（第 {} 字节）；是否为 GB18030/GBK？", e.valid_up_to()),
                )
            }),
        Some(Encoding::Gb18030) if !bytes.is_ascii() && std::str::from_utf8(without_bom.unwrap_or(bytes)).is_ok() => {
            Err(why(
                "encoding",
                "the file was sent as GB18030/GBK but it is UTF-8: send it without an encoding (or as utf-8)",
                "文件按 GB18030/GBK 提交，但实际是 UTF-8 编码：请不指定编码（或指定 utf-8）重新上传",
            ))
        }
        Some(Encoding::Gb18030) => decode_gb18030(bytes),
        None => match (without_bom, std::str::from_utf8(bytes)) {
            (Some(rest), _) => {
                let (text, had_errors) = UTF_8.decode_without_bom_handling(rest);
                if had_errors {
                    Err(why(
                        "encoding",
                        "the file starts with a UTF-8 byte order mark but is not valid UTF-8",
                        "文件以 UTF-8 字节顺序标记开头，但内容不是有效的 UTF-8",
                    ))
                } else {
                    Ok(Decoded { text, encoding: Encoding::Utf8 })
                }
            }
            (None, Ok(text)) => Ok(Decoded { text: text.into(), encoding: Encoding::Utf8 }),
            (None, Err(_)) => match mixed_line(bytes) {
                // Mostly UTF-8 with a few lines in another encoding (a pasted-in row): decoding it
                // all as GB18030 would garble every Chinese character of the rest.
                Some(line) => Err(why(
                    "encoding",
                    format!(
                        "line {line} is not UTF-8 although the rest of the file is: the file mixes encodings; save it again as CSV UTF-8"
                    ),
                    format!("第 {line} 行不是 UTF-8 编码，而文件其余部分是：文件混用了编码，请重新另存为“CSV UTF-8”"),
                )),
                None => decode_gb18030(bytes),
            },
        },
    }
}

/// The first line that is not UTF-8, in a file whose other non-ASCII lines mostly are.
fn mixed_line(bytes: &[u8]) -> Option<usize> {
    let (mut utf8_lines, mut first_bad, mut bad_lines) = (0usize, None, 0usize);
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_ascii() {
            continue;
        }
        if std::str::from_utf8(line).is_ok() {
            utf8_lines += 1;
        } else {
            bad_lines += 1;
            first_bad.get_or_insert(index + 1);
        }
    }
    first_bad.filter(|_| utf8_lines >= bad_lines)
}

/// A UTF-16 byte order mark, or NUL bytes in every other place of the first line (ASCII text
/// in UTF-16 without a mark).
fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 8 && (head.iter().step_by(2).all(|b| *b == 0) || head.iter().skip(1).step_by(2).all(|b| *b == 0))
}

fn decode_gb18030(bytes: &[u8]) -> Result<Decoded<'_>, Why> {
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        Err(why(
            "encoding",
            "the file is neither UTF-8 nor GB18030/GBK: save it as CSV UTF-8 and upload again",
            "文件既不是 UTF-8 也不是 GB18030/GBK 编码：请另存为“CSV UTF-8”后重新上传",
        ))
    } else {
        Ok(Decoded { text, encoding: Encoding::Gb18030 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_gb18030_are_read() {
        let text = "指标,期间,数值\n实际光纤入户率,2020,70\n";
        let plain = decode(text.as_bytes(), None).unwrap();
        assert_eq!((&*plain.text, plain.encoding), (text, Encoding::Utf8));
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom, None).unwrap().text, text);
        let (gbk, _, _) = GB18030.encode(text);
        let decoded = decode(&gbk, None).unwrap();
        assert_eq!((&*decoded.text, decoded.encoding), (text, Encoding::Gb18030));
    }

    #[test]
    fn a_forced_encoding_that_does_not_fit_is_an_error() {
        let (gbk, _, _) = GB18030.encode("指标,期间,数值\n");
        let refused = decode(&gbk, Some(Encoding::Utf8)).unwrap_err();
        assert!(refused.en.contains("not valid UTF-8") && refused.zh.contains("不是有效的 UTF-8"));
        assert_eq!("GBK".parse::<Encoding>(), Ok(Encoding::Gb18030));
        assert!("latin1".parse::<Encoding>().is_err());
    }

    #[test]
    fn utf8_sent_as_gbk_and_utf16_are_refused_with_the_reason() {
        let utf8 = "指标,期间,数值\n实际光纤入户率,2020,70\n";
        let refused = decode(utf8.as_bytes(), Some(Encoding::Gb18030)).unwrap_err();
        assert!(refused.zh.contains("实际是 UTF-8"), "{refused:?}");
        assert!(decode(b"indicator,period,value\n", Some(Encoding::Gb18030)).is_ok(), "ASCII fits both");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf8.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert!(decode(&utf16, None).unwrap_err().en.contains("UTF-16"));
        let no_mark: Vec<u8> = "indicator,period".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(decode(&no_mark, None).unwrap_err().en.contains("UTF-16"));
    }

    #[test]
    fn a_utf8_file_with_a_gbk_line_pasted_in_is_refused_naming_the_line() {
        let (gbk, _, _) = GB18030.encode("开放数据集,2021,4500\n");
        let mixed = [b"indicator,period,value\n".as_slice(), "实际光纤入户率,2020,70\n".as_bytes(), &gbk].concat();
        let refused = decode(&mixed, None).unwrap_err();
        assert!(refused.en.contains("line 3") && refused.zh.contains("第 3 行"), "{refused:?}");
        let (all_gbk, _, _) = GB18030.encode("指标,期间,数值\n实际光纤入户率,2020,70\n浦东新区,2021,1\n");
        assert_eq!(decode(&all_gbk, None).unwrap().encoding, Encoding::Gb18030, "a GBK file is still read");
    }
}
