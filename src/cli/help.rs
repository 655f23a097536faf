//! The command line in Chinese. clap writes its help, usage lines and errors in English, so a
//! Chinese command line takes every command's and option's text from [`CHINESE`], puts its own
//! headings and help flags in place of clap's, and says clap's errors again in Chinese.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// (command path, argument id, text): the path names the subcommand ("" the program itself,
/// "catalog export" a nested one); an empty argument id gives the command's own description.
const CHINESE: &[(&str, &str, &str)] = &[
    ("", "", "plantrack——跟踪政府规划的量化目标：目标、实际数据、进度、图表和报告"),
    ("", "config", "设置文件（默认：工作目录中的 plantrack.toml，如有）"),
    ("", "lang", "zh 或 en：消息、表格、报告和图表的语言（默认按系统语言环境：LANG=zh* 为中文，未指明语言时也为中文）"),
    ("serve", "", "运行 HTTP 服务：先迁移数据库、载入目标目录"),
    ("migrate", "", "执行尚未执行的数据库迁移后退出"),
    (
        "backup",
        "",
        "服务运行时把 SQLite 数据库完整复制到一个新文件（某一时刻的一致副本）；保留的报告是数据目录 reports 中的文件",
    ),
    ("backup", "out", "要写出的副本（不能已存在）"),
    (
        "ingest",
        "",
        "载入实际数据文件（CSV、.xlsx、.xls、.ods；长表或宽表），检查与网页上传相同（每个文件全部载入或全不载入）",
    ),
    ("ingest", "files", "文件：指标,期间,数值[,地区,单位,备注,来源]，或指标成行、期间成列的宽表"),
    ("ingest", "sheet", "读取电子表格的哪个工作表（默认：第一个）"),
    ("ingest", "dry_run", "只检查并列出将有的变化，不写入"),
    ("ingest", "encoding", "指定编码：utf-8 或 gb18030（gbk）。默认自动识别"),
    ("ingest", "uploaded_by", "记为上传人（默认：登录名）"),
    ("charts", "", "把每个目标的图表和每个规划的总览图（SVG 和 PNG）写入一个文件夹"),
    ("charts", "out", "输出文件夹"),
    ("report", "", "生成进展情况报告：PDF，或可编辑的 Word 文件"),
    ("report", "out", "输出文件"),
    ("report", "plan", "只含此规划（代号）"),
    ("report", "department", "只含此部门负责的目标（代号）"),
    ("report", "layout", "compact（摘要，每个规划一张表，有数据的配图）或 full（完整）"),
    ("report", "format", "pdf，或 docx（可编辑的 Word 文件）"),
    ("report", "group", "plan（按规划分节）或 department（按牵头部门分节）"),
    ("report", "since", "与这份报告（编号）或此日期前最新的一份比较；默认与上一份比较"),
    ("token", "", "管理 API 令牌"),
    ("token create", "", "创建令牌并只显示这一次（只保存其散列值）"),
    ("token create", "name", "令牌名称（如使用人姓名）"),
    ("token create", "role", "viewer（查看）、uploader（上传）或 admin（管理）"),
    ("token create", "department", "让上传令牌只能写此部门报送的数据（代号，见 departments.toml）"),
    ("token list", "", "列出令牌（名称、角色、日期；从不显示令牌本身）"),
    ("token revoke", "", "吊销此名称的所有有效令牌"),
    ("token revoke", "name", "令牌名称"),
    ("status", "", "列出每个目标的状态：终端表格，或 JSON / CSV"),
    ("status", "plan", "只列此规划的目标（代号）"),
    ("status", "department", "只列此部门负责的目标（代号）"),
    ("status", "format", "输出格式"),
    ("catalog", "", "目标目录（targets/*.toml）"),
    ("catalog check", "", "对照原文检查每个目录文件，列出全部问题"),
    ("catalog check", "no_sync", "只检查文件，不把目录写入数据库"),
    ("catalog stats", "", "按规划和类型统计目标数、按文件统计种子数据行数，供与原文核对"),
    ("catalog export", "", "输出全部规划、指标和目标（JSON），或一个规划的目录文件（TOML，供版本管理）"),
    ("catalog export", "format", "输出格式"),
    ("catalog export", "plan", "规划（代号）；TOML 格式必填"),
    ("catalog export", "document", "TOML 格式时，同时把规划所引原文写入此文件（供 seed/documents/）"),
    ("catalog export", "no_sync", "只输出，不把目录写入数据库"),
    ("plan", "", "新印发的规划：从原文起草目标"),
    (
        "plan draft",
        "",
        "从规划原文（.txt UTF-8 或 GB18030、.docx、.html、有文字层的 .pdf）起草目标：供审核的 JSON，或全部接受的 TOML 目录文件",
    ),
    ("plan draft", "file", "规划原文文件"),
    ("plan draft", "format", "输出格式"),
    ("plan draft", "slug", "TOML 中的规划代号（默认取自文件名）"),
    // The view options every judged command shares (`ViewArgs`).
    ("*", "as_of", "查看日期（YYYY-MM-DD）：截至该日的期间的数据计入。默认今天"),
    ("*", "known_at", "只计此日期前录入的数据（“当时所知”）。默认计入现有全部数据"),
    ("*", "region", "按此区的数据评判每个目标"),
    ("*", "method", "进度测算方法：linear（线性）或 cagr（年均复合增长）"),
];

/// The command line with Chinese texts, headings and help flags.
pub(super) fn in_chinese(command: Command) -> Command {
    translated(command, "").disable_help_subcommand(true)
}

fn translated(mut command: Command, path: &str) -> Command {
    if let Some(about) = text_for(path, "") {
        command = command.about(about);
    }
    let arg_ids: Vec<String> = command.get_arguments().map(|arg| arg.get_id().to_string()).collect();
    for id in arg_ids {
        if let Some(help) = text_for(path, &id).or_else(|| text_for("*", &id)) {
            command = command.mut_arg(&id, |arg| arg.help(help));
        }
    }
    command = command
        .help_template("{about}\n\n用法：{usage}\n\n{all-args}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .mut_args(|arg| if arg.is_positional() { arg.help_heading("参数") } else { arg.help_heading("选项") })
        .disable_help_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help("显示帮助").help_heading("选项"));
    if path.is_empty() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        );
    }
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let inner = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        command = command.mut_subcommand(&name, |sub| translated(sub, &inner));
    }
    command
}

fn text_for(path: &str, id: &str) -> Option<&'static str> {
    CHINESE.iter().find(|(p, i, _)| *p == path && *i == id).map(|(_, _, text)| *text)
}

/// What clap wrote (help, usage) with its remaining English words in Chinese: the usage line's
/// placeholders and the notes on defaults and choices.
pub(super) fn chinese_words(text: &str) -> String {
    text.replace("[OPTIONS]", "[选项]")
        .replace("[default: ", "[默认：")
        .replace("[possible values: ", "[可选：")
        .replace("Usage: ", "用法：")
}

/// A command-line error said in Chinese: what was wrong, with which option and value, and where
/// to look. clap's own text is English, so each kind is said again from its context.
pub(super) fn chinese_error(error: &clap::Error) -> String {
    let context = |kind: ContextKind| error.get(kind).map(context_text);
    let argument = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let mut said = match error.kind() {
        ErrorKind::InvalidValue if value.is_empty() => format!("选项 {argument} 需要一个值"),
        ErrorKind::InvalidValue => format!("选项 {argument} 的值“{value}”无效"),
        ErrorKind::ValueValidation => {
            let why = if std::error::Error::source(error).is_some_and(|source| source.is::<chrono::ParseError>()) {
                "：应为 YYYY-MM-DD 形式的日期"
            } else {
                ""
            };
            format!("选项 {argument} 的值“{value}”无效{why}")
        }
        ErrorKind::UnknownArgument => format!("没有选项“{argument}”"),
        ErrorKind::InvalidSubcommand => {
            format!("没有命令“{}”", context(ContextKind::InvalidSubcommand).unwrap_or_default())
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必填的参数：{argument}"),
        ErrorKind::MissingSubcommand => "缺少命令".to_owned(),
        ErrorKind::ArgumentConflict => format!("选项 {argument} 不能与其他选项同用"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => format!("选项 {argument} 的值太多"),
        ErrorKind::InvalidUtf8 => "命令行含有无效的 UTF-8 字符".to_owned(),
        _ => "命令行有误".to_owned(),
    };
    if let Some(valid) = context(ContextKind::ValidValue) {
        said.push_str(&format!("（可选：{valid}）"));
    }
    if let Some(suggested) = context(ContextKind::SuggestedArg).or_else(|| context(ContextKind::SuggestedSubcommand)) {
        said.push_str(&format!("；是否想用 {suggested}？"));
    }
    if let Some(usage) = context(ContextKind::Usage) {
        said.push_str(&format!("\n\n{}", chinese_words(usage.trim())));
    }
    said.push_str("\n\n用 --help 查看用法。");
    format!("错误：{said}")
}

fn context_text(value: &ContextValue) -> String {
    match value {
        ContextValue::String(text) => text.clone(),
        ContextValue::Strings(texts) => texts.join("、"),
        ContextValue::StyledStr(text) => text.to_string(),
        ContextValue::StyledStrs(texts) => texts.iter().map(ToString::to_string).collect::<Vec<_>>().join("、"),
        ContextValue::Number(number) => number.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn chinese_command() -> Command {
        let mut command = in_chinese(super::super::Cli::command());
        command.build();
        command
    }

    fn visible(command: &Command, path: &str, found: &mut Vec<(String, Command)>) {
        found.push((path.to_owned(), command.clone()));
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            let inner = if path.is_empty() { sub.get_name().to_owned() } else { format!("{path} {}", sub.get_name()) };
            visible(sub, &inner, found);
        }
    }

    #[test]
    fn every_visible_command_and_option_is_described_in_chinese() {
        let mut commands = Vec::new();
        visible(&chinese_command(), "", &mut commands);
        for (path, command) in &commands {
            let about = command.get_about().map(ToString::to_string).unwrap_or_default();
            assert!(
                about.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "`{path}` has no Chinese description"
            );
            for arg in command.get_arguments().filter(|arg| !arg.is_hide_set()) {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                assert!(
                    help.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "`{path}` option `{}` has no Chinese help: {help:?}",
                    arg.get_id()
                );
            }
        }
    }

    #[test]
    fn every_chinese_text_belongs_to_a_command_or_option_that_exists() {
        let mut commands = Vec::new();
        visible(&chinese_command(), "", &mut commands);
        for (path, id, _) in CHINESE {
            let exists = commands.iter().any(|(p, command)| {
                (*path == "*" || p == path) && (id.is_empty() || command.get_arguments().any(|arg| arg.get_id() == *id))
            });
            assert!(exists, "no command `{path}` with option `{id}`");
        }
    }

    #[test]
    fn help_carries_no_english_words_of_clap() {
        let mut commands = Vec::new();
        visible(&chinese_command(), "", &mut commands);
        for (path, mut command) in commands {
            let help = chinese_words(&command.render_help().to_string());
            for english in ["Usage", "Options", "Commands", "Arguments", "Print help", "[default", "[possible"] {
                assert!(!help.contains(english), "`{path}` help says {english}:\n{help}");
            }
        }
    }

    #[test]
    fn errors_are_said_in_chinese_with_the_option_and_value() {
        let command = || chinese_command();
        let error = command().try_get_matches_from(["plantrack", "status", "--as-of", "2020-13-01"]).unwrap_err();
        let said = chinese_error(&error);
        assert!(said.contains("选项 --as-of <AS_OF> 的值“2020-13-01”无效：应为 YYYY-MM-DD 形式的日期"), "{said}");

        let error = command().try_get_matches_from(["plantrack", "status", "--format", "xml"]).unwrap_err();
        let said = chinese_error(&error);
        assert!(said.contains("的值“xml”无效（可选：table、json、csv）"), "{said}");

        let error = command().try_get_matches_from(["plantrack", "stauts"]).unwrap_err();
        let said = chinese_error(&error);
        assert!(said.contains("没有命令“stauts”；是否想用 status？"), "{said}");

        let error = command().try_get_matches_from(["plantrack", "ingest"]).unwrap_err();
        let said = chinese_error(&error);
        assert!(said.starts_with("错误：缺少必填的参数：<FILES>..."), "{said}");
        assert!(said.contains("用法：plantrack ingest"), "{said}");
        assert!(!said.contains("Usage") && !said.contains("error:"), "{said}");
    }
}
