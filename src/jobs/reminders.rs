//! Reminders: notices of a figure falling due within `reminder_days`, of a figure gone overdue,
//! and of a target that turned off track, missed or achieved — recorded in the outbox once each
//! (whichever replica sees them first), then posted to the webhooks of the settings as plain JSON
//! or as the text message of a WeCom / DingTalk group robot, retried with growing pauses.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use crate::config::{Webhook, WebhookFormat};
use crate::db::notifications::{self, Notice, NotificationRow};
use crate::db::{self, DbPool};
use crate::judged::{Arrival, Assessed, DueFigure, Judged, Judgement};
use crate::present::{Lang, status_label};
use crate::progress::{Method, Status};

/// A figure gone overdue is announced if its due date is this recent: the outbox starts with
/// the news, not with every figure missing for years (the department pages list those).
pub const OVERDUE_NEWS_DAYS: i64 = 30;
/// Attempts before a notice is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// How long one replica holds a notice it is delivering: longer than an attempt can take.
const LEASE: Duration = Duration::from_secs(60);
/// One attempt's limit, and how much of an answer is read.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Notices delivered per look.
const BATCH: i64 = 50;

/// The statuses whose arrival is news.
const NEWS: [Status; 3] = [Status::OffTrack, Status::Missed, Status::Achieved];

/// What the reminders need: the judged targets, the database and where to post.
#[derive(Clone)]
pub struct Reminders {
    pub pool: DbPool,
    pub judged: Arc<Judged>,
    pub webhooks: Vec<Webhook>,
    pub days: u32,
    /// The first pause after a failed attempt; each next one doubles (at most an hour).
    pub first_pause: Duration,
    client: reqwest::Client,
}

/// What one look did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub recorded: usize,
    pub delivered: usize,
    pub failed: usize,
}

impl Reminders {
    pub fn new(pool: DbPool, judged: Arc<Judged>, webhooks: Vec<Webhook>, days: u32, first_pause: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A webhook's address is the one configured: never somewhere it redirects to.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with a timeout and no redirects");
        Reminders { pool, judged, webhooks, days, first_pause, client }
    }

    pub async fn run(self, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = self.look().await {
                tracing::warn!(error = %e, "reminders");
            }
        }
    }

    /// Records the notices of today and delivers those due.
    pub async fn look(&self) -> anyhow::Result<Look> {
        let this = self.clone();
        let recorded = tokio::task::spawn_blocking(move || this.record(crate::now())).await??;
        let (delivered, failed) = self.deliver_due().await?;
        Ok(Look { recorded, delivered, failed })
    }

    /// Makes today's notices and records the new ones (and the statuses seen).
    fn record(&self, now: NaiveDateTime) -> anyhow::Result<usize> {
        let today = crate::clock::local(now).date();
        let judgement = Judgement::on(today, Method::Linear);
        let view = self.judged.view(&judgement)?;
        let figures = self.judged.figures(&judgement);
        let names: HashMap<String, String> =
            self.judged.departments().iter().map(|d| (d.slug.clone(), d.name.clone())).collect();
        let mut conn = self.pool.get()?;
        let marks = notifications::marks(&mut conn)?;
        let mut notices = figure_notices(&figures, today, self.days, &names);
        let (changes, new_marks) = status_notices(&view.assessed, &marks, today, &names);
        notices.extend(changes);
        let webhooks: Vec<(String, Option<String>)> =
            self.webhooks.iter().map(|w| (w.name.clone(), w.department.clone())).collect();
        let added = db::write_tx(&mut conn, |conn| {
            let added = notifications::enqueue(conn, &notices, &webhooks, now)?;
            notifications::set_marks(conn, &new_marks, now)?;
            Ok::<_, anyhow::Error>(added)
        })?;
        Ok(added)
    }

    /// Claims the notices due and posts each to its webhook.
    async fn deliver_due(&self) -> anyhow::Result<(usize, usize)> {
        let pool = self.pool.clone();
        let now = truncated(crate::now());
        let lease = now + chrono::Duration::from_std(LEASE)?;
        let held = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            Ok::<_, anyhow::Error>(notifications::claim_due(&mut conn, now, lease, BATCH)?)
        })
        .await??;
        let (mut delivered, mut failed) = (0, 0);
        for notice in held {
            let webhook = self.webhooks.iter().find(|w| Some(&w.name) == notice.webhook.as_ref());
            let outcome = match webhook {
                Some(webhook) => self.post(webhook, &notice).await,
                None => Err("no such webhook in the settings any more".to_owned()),
            };
            let pool = self.pool.clone();
            let retry_at = self.retry_at(notice.attempts, webhook.is_some());
            let ok = outcome.is_ok();
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                match outcome {
                    Ok(()) => notifications::delivered(&mut conn, notice.id, lease, crate::now())?,
                    Err(e) => {
                        tracing::warn!(id = notice.id, webhook = ?notice.webhook, error = %e, "a reminder was not delivered");
                        notifications::attempt_failed(&mut conn, notice.id, lease, &e, retry_at)?
                    }
                };
                Ok::<_, anyhow::Error>(())
            })
            .await??;
            if ok { delivered += 1 } else { failed += 1 }
        }
        Ok((delivered, failed))
    }

    /// When to try again after `attempts` earlier attempts and this failed one; `None`: give up.
    fn retry_at(&self, attempts: i32, webhook_known: bool) -> Option<NaiveDateTime> {
        let pause = pause_after(self.first_pause, attempts).filter(|_| webhook_known)?;
        Some(crate::now() + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::hours(1)))
    }

    /// One attempt: a 2xx answer (and, from a group robot, `errcode` 0) is delivered.
    async fn post(&self, webhook: &Webhook, notice: &NotificationRow) -> Result<(), String> {
        let payload: serde_json::Value = serde_json::from_str(&notice.payload).map_err(|e| e.to_string())?;
        let body = match webhook.format {
            WebhookFormat::Json => payload.clone(),
            WebhookFormat::Wecom | WebhookFormat::Dingtalk => {
                json!({ "msgtype": "text", "text": { "content": payload["text"].as_str().unwrap_or_default() } })
            }
        };
        // The address is left out of what is kept and logged: a group robot's holds its key, and
        // the notices (with their last error) are readable by anyone the server lets read.
        let failed = |e: reqwest::Error| e.without_url().to_string();
        let mut response = self.client.post(&webhook.url).json(&body).send().await.map_err(failed)?;
        let status = response.status();
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            answer.extend_from_slice(&chunk[..chunk.len().min(MAX_ANSWER_BYTES - answer.len().min(MAX_ANSWER_BYTES))]);
            if answer.len() >= MAX_ANSWER_BYTES {
                break;
            }
        }
        let shown = || String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", shown()));
        }
        if webhook.format != WebhookFormat::Json
            && let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&answer)
            && answer["errcode"].as_i64().is_some_and(|code| code != 0)
        {
            return Err(format!("the robot refused it: {}", shown()));
        }
        Ok(())
    }
}

/// The pause before the next attempt, after `attempts` earlier ones and this failed one: the
/// first pause, doubled each time, at most an hour; `None` once the last attempt has failed.
pub fn pause_after(first: Duration, attempts: i32) -> Option<Duration> {
    if attempts + 1 >= MAX_ATTEMPTS {
        return None;
    }
    Some(first.saturating_mul(1 << attempts.clamp(0, 20)).min(MAX_PAUSE))
}

/// Timestamps to the microsecond, as both databases keep them: a lease read back compares equal.
fn truncated(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

fn department_name<'a>(names: &'a HashMap<String, String>, slug: Option<&'a str>) -> &'a str {
    slug.map(|s| names.get(s).map(String::as_str).unwrap_or(s)).unwrap_or("未指定单位")
}

/// Notices of figures falling due within `days` and of figures gone overdue lately.
pub fn figure_notices(
    figures: &[DueFigure],
    today: NaiveDate,
    days: u32,
    names: &HashMap<String, String>,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    for f in figures {
        let department = department_name(names, f.reporter.as_deref());
        let what = format!("{}（{}，{}）", f.indicator.name, f.region, f.period);
        let what_en = format!("{} ({}, {})", f.indicator.name_en, f.region, f.period);
        let days_left = (f.due_on - today).num_days();
        let (kind, text, text_en) = match f.arrival {
            Arrival::Upcoming if f.received_on.is_none() && (0..=i64::from(days)).contains(&days_left) => (
                "due_soon",
                format!("【报送提醒】{department}：{what}应于 {} 前报送（还有 {days_left} 天）。", f.due_on),
                format!("Reminder: {what_en} is due on {} ({days_left} days left).", f.due_on),
            ),
            Arrival::Missing if -days_left <= OVERDUE_NEWS_DAYS => (
                "overdue",
                format!("【逾期未报】{department}：{what}应于 {} 报送，已逾期 {} 天。", f.due_on, -days_left),
                format!("Overdue: {what_en} was due on {}, {} days ago.", f.due_on, -days_left),
            ),
            _ => continue,
        };
        let key = format!("{kind}:{}:{}:{}", f.indicator.slug, f.region, f.period_end);
        notices.push(Notice {
            key,
            kind,
            department: f.reporter.clone(),
            payload: json!({
                "kind": kind,
                "text": text,
                "text_en": text_en,
                "department": f.reporter,
                "department_name": department,
                "indicator": f.indicator.slug,
                "indicator_name": f.indicator.name,
                "region": f.region,
                "period": f.period,
                "due_on": f.due_on,
                "targets": f.targets,
                "link": f.reporter.as_ref().map(|d| format!("/departments/{d}")),
            }),
        });
    }
    notices
}

/// Notices of targets whose status turned off track, missed or achieved since the last look,
/// and the statuses to remember. A target seen for the first time is remembered, not announced.
pub fn status_notices(
    assessed: &[Assessed],
    marks: &HashMap<String, String>,
    today: NaiveDate,
    names: &HashMap<String, String>,
) -> (Vec<Notice>, Vec<(String, String)>) {
    let mut notices = Vec::new();
    let mut new_marks = Vec::new();
    for a in assessed {
        let now = a.summary.status;
        let before = marks.get(&a.target.slug);
        if before.map(String::as_str) == Some(now.as_str()) {
            continue;
        }
        new_marks.push((a.target.slug.clone(), now.as_str().to_owned()));
        let Some(before) = before.and_then(|b| b.parse::<Status>().ok()) else { continue };
        if !NEWS.contains(&now) {
            continue;
        }
        let lead = a.owners.first().cloned();
        let department = department_name(names, lead.as_deref());
        let (from, to) = (status_label(before, Lang::Zh), status_label(now, Lang::Zh));
        let (from_en, to_en) = (status_label(before, Lang::En), status_label(now, Lang::En));
        notices.push(Notice {
            key: format!("status_changed:{}:{}:{}:{today}", a.target.slug, before.as_str(), now.as_str()),
            kind: "status_changed",
            department: lead.clone(),
            payload: json!({
                "kind": "status_changed",
                "text": format!("【目标状态变化】{department}：{}由“{from}”变为“{to}”（截至 {today}）。", a.target.name),
                "text_en": format!("Status changed: {} went from {from_en} to {to_en} (as of {today}).", a.target.name_en),
                "department": lead,
                "department_name": department,
                "target": a.target.slug,
                "target_name": a.target.name,
                "previous_status": before.as_str(),
                "status": now.as_str(),
                "as_of": today,
                "link": format!("/targets/{}", a.target.slug),
            }),
        });
    }
    (notices, new_marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_an_hour_then_the_notice_is_given_up() {
        let first = Duration::from_secs(30);
        let pauses: Vec<Option<u64>> = (0..9).map(|a| pause_after(first, a).map(|d| d.as_secs())).collect();
        assert_eq!(pauses, [Some(30), Some(60), Some(120), Some(240), Some(480), Some(960), Some(1920), None, None]);
        assert_eq!(pause_after(Duration::from_secs(600), 5), Some(MAX_PAUSE));
    }
}
