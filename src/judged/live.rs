//! The server's judgement of every target, kept in memory and kept fresh. Today's verdicts (by
//! each method) are judged once per change, not once per request: an upload re-judges only the
//! targets on the indicators it touched, a catalog change or a new day everything. Replicas
//! sharing one PostgreSQL see each other's changes through the numbered `data_changes`, polled
//! every few milliseconds. Views for another date are judged from memory on demand and kept,
//! a few at a time, for the data they were judged on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;

use super::{Assessed, AssessedOne, JudgedError, JudgedResult, Judgement, Scope, Snapshot, today};
use crate::db::changes::{self, Changed};
use crate::db::{DbPool, actuals};
use crate::progress::Method;

/// Every target's verdict for one date and method, in catalog order.
#[derive(Debug)]
pub struct View {
    pub judgement: Judgement,
    /// The data generation (the newest change) it was judged on.
    pub generation: i64,
    pub assessed: Vec<Assessed>,
}

impl View {
    /// The verdicts of one plan, in catalog order.
    pub fn of_plan(&self, plan: &str) -> impl Iterator<Item = &Assessed> {
        self.assessed.iter().filter(move |a| a.plan.slug == plan)
    }
}

/// How many views for other dates are kept.
const KEPT_VIEWS: usize = 16;

struct Today {
    date: NaiveDate,
    generation: i64,
    linear: Arc<View>,
    cagr: Arc<View>,
}

pub struct Judged {
    pool: DbPool,
    snapshot: RwLock<Snapshot>,
    today: RwLock<Today>,
    other_views: Mutex<HashMap<(Judgement, i64), Arc<View>>>,
    /// One refresh at a time.
    refreshing: Mutex<()>,
    /// How many views not held in memory are being judged right now (the health check says).
    judging: std::sync::atomic::AtomicUsize,
}

fn method_view(judgement: Judgement, generation: i64, snapshot: &Snapshot) -> JudgedResult<Arc<View>> {
    let assessed = snapshot.judge(&judgement)?;
    Ok(Arc::new(View { judgement, generation, assessed }))
}

fn today_views(snapshot: &Snapshot, generation: i64, date: NaiveDate) -> JudgedResult<Today> {
    let judgement = |method| Judgement::on(date, method);
    Ok(Today {
        date,
        generation,
        linear: method_view(judgement(Method::Linear), generation, snapshot)?,
        cagr: method_view(judgement(Method::Cagr), generation, snapshot)?,
    })
}

impl std::fmt::Debug for Judged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (generation, date) = self.generation();
        f.debug_struct("Judged").field("generation", &generation).field("date", &date).finish_non_exhaustive()
    }
}

impl Judged {
    /// Loads every target and actual and judges them for today.
    pub fn load(pool: DbPool) -> JudgedResult<Judged> {
        let mut conn = pool.get().map_err(|e| JudgedError::Pool(e.to_string()))?;
        // The number first: a change made while loading is then seen again, not missed.
        let generation = changes::newest(&mut conn)?;
        let snapshot = Snapshot::load(&mut conn, None, None)?;
        let today = today_views(&snapshot, generation, today())?;
        drop(conn);
        Ok(Judged {
            pool,
            snapshot: RwLock::new(snapshot),
            today: RwLock::new(today),
            other_views: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(()),
            judging: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// The data generation the verdicts stand on, and their date.
    pub fn generation(&self) -> (i64, NaiveDate) {
        let today = self.today.read().unwrap_or_else(|e| e.into_inner());
        (today.generation, today.date)
    }

    /// Brings the verdicts up to date with the database and the calendar: only what changed is
    /// judged again. Returns whether anything changed.
    pub fn refresh(&self) -> JudgedResult<bool> {
        let _one_at_a_time = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        let (generation, date) = self.generation();
        let mut conn = self.pool.get().map_err(|e| JudgedError::Pool(e.to_string()))?;
        let (newest, changed) = changes::since(&mut conn, generation)?;
        let new_day = today();
        if newest == generation && new_day == date {
            return Ok(false);
        }
        match changed {
            Changed::Everything if newest != generation => {
                let fresh = Snapshot::load(&mut conn, None, None)?;
                drop(conn);
                let views = today_views(&fresh, newest, new_day)?;
                *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = fresh;
                *self.today.write().unwrap_or_else(|e| e.into_inner()) = views;
            }
            Changed::Indicators(ids) if new_day == date => {
                let revisions = actuals::revisions_of(&mut conn, &ids)?;
                drop(conn);
                let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
                snapshot.replace(&ids, revisions);
                let touched = snapshot.targets_on(&ids);
                let rejudge = |view: &Arc<View>| -> JudgedResult<Arc<View>> {
                    // A view holds the targets in force on its day only (an earlier version of a
                    // revised plan is not): each touched target is found at its place there.
                    let in_force = snapshot.in_force(view.judgement.as_of);
                    let places: Vec<(usize, usize)> = touched
                        .iter()
                        .filter_map(|&i| in_force.binary_search(&i).ok().map(|place| (i, place)))
                        .collect();
                    let indices: Vec<usize> = places.iter().map(|&(i, _)| i).collect();
                    let fresh = snapshot.judge_these(&indices, &view.judgement)?;
                    let mut assessed = view.assessed.clone();
                    for (&(_, place), a) in places.iter().zip(fresh) {
                        assessed[place] = a;
                    }
                    Ok(Arc::new(View { judgement: view.judgement.clone(), generation: newest, assessed }))
                };
                let mut today = self.today.write().unwrap_or_else(|e| e.into_inner());
                let (linear, cagr) = (rejudge(&today.linear)?, rejudge(&today.cagr)?);
                *today = Today { date, generation: newest, linear, cagr };
            }
            // A new day (with or without new figures): everything is judged for it.
            Changed::Indicators(ids) => {
                let revisions = actuals::revisions_of(&mut conn, &ids)?;
                drop(conn);
                let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
                snapshot.replace(&ids, revisions);
                *self.today.write().unwrap_or_else(|e| e.into_inner()) = today_views(&snapshot, newest, new_day)?;
            }
            Changed::Everything => {
                let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
                *self.today.write().unwrap_or_else(|e| e.into_inner()) = today_views(&snapshot, newest, new_day)?;
            }
        }
        self.other_views.lock().unwrap_or_else(|e| e.into_inner()).clear();
        Ok(true)
    }

    /// Every target's verdict for a date and method: today's from memory, another date's judged
    /// from memory on demand (and kept for the data it was judged on).
    pub fn view(&self, judgement: &Judgement) -> JudgedResult<Arc<View>> {
        if judgement.known_at.is_none() && judgement.region.is_none() {
            let today = self.today.read().unwrap_or_else(|e| e.into_inner());
            if judgement.as_of == today.date {
                return Ok(match judgement.method {
                    Method::Linear => today.linear.clone(),
                    Method::Cagr => today.cagr.clone(),
                });
            }
        }
        let (generation, _) = self.generation();
        let key = (judgement.clone(), generation);
        if let Some(view) = self.other_views.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(view.clone());
        }
        let view = {
            let _counted = Judging::counted(&self.judging);
            let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
            method_view(judgement.clone(), generation, &snapshot)?
        };
        let mut kept = self.other_views.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= KEPT_VIEWS {
            kept.clear();
        }
        kept.insert(key, view.clone());
        Ok(view)
    }

    /// Whether the view of a judgement is held in memory (today's, or one judged since the last
    /// change): answering from it costs next to nothing.
    pub fn holds(&self, judgement: &Judgement) -> bool {
        let (generation, today) = self.generation();
        let todays = judgement.known_at.is_none() && judgement.region.is_none() && judgement.as_of == today;
        todays
            || self.other_views.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&(judgement.clone(), generation))
    }

    /// How many views not held in memory are being judged right now.
    pub fn judging(&self) -> usize {
        self.judging.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether a target of this slug is known (without judging it).
    pub fn has_target(&self, slug: &str) -> bool {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).index_of(slug).is_some()
    }

    /// The plan (version) a current target belongs to.
    pub fn plan_of_target(&self, slug: &str) -> Option<Arc<crate::db::models::PlanRow>> {
        self.context(slug).map(|c| c.plan)
    }

    /// A current target (of any version of its plan) with its plan and indicator.
    pub fn context(&self, slug: &str) -> Option<super::Context> {
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        snapshot.index_of(slug).map(|i| snapshot.targets[i].clone())
    }

    /// One target in full (projection and series), judged from memory.
    pub fn one(&self, slug: &str, judgement: &Judgement) -> Option<AssessedOne> {
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        snapshot.index_of(slug).and_then(|i| snapshot.one(i, judgement))
    }

    /// What a report or a chart set of one plan (or every plan) is drawn from.
    pub fn scope(
        &self,
        plan: Option<&str>,
        judgement: &Judgement,
        vintage: Option<chrono::NaiveDateTime>,
        in_full: super::InFull,
    ) -> JudgedResult<Option<Scope>> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).scope(plan, judgement, vintage, in_full)
    }

    /// The city and its districts.
    pub fn regions(&self) -> crate::catalog::Regions {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).regions.clone()
    }

    /// The latest figure of every district on an indicator, for a judgement.
    pub fn district_figures(
        &self,
        indicator: &crate::db::models::IndicatorRow,
        judgement: &Judgement,
    ) -> Vec<(String, crate::progress::Observation)> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).district_figures(indicator, judgement)
    }

    /// The districts with any figure on these indicators.
    pub fn districts_reporting(&self, indicator_ids: &[i64]) -> Vec<String> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).districts_reporting(indicator_ids)
    }

    /// The indicators a department reports (ids, sorted).
    pub fn indicators_reported_by(&self, department: &str) -> Vec<i64> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).indicators_reported_by(department)
    }

    /// Every figure the targets call for, as of the judgement.
    pub fn figures(&self, judgement: &Judgement) -> Vec<super::DueFigure> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).figures(judgement)
    }

    /// How the figures a plan's targets call for came, as of the judgement.
    pub fn plan_completeness(&self, plan: &str, judgement: &Judgement) -> super::Completeness {
        let figures = self.figures(judgement);
        super::Completeness::of(figures.iter().filter(|f| f.plans.iter().any(|p| p == plan)))
    }

    /// The departments that answer for a target, lead first.
    pub fn owners_of(&self, target_slug: &str) -> Vec<String> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).duties.owners_of(target_slug).to_vec()
    }

    /// An indicator's reporting duty as known on a day (`None`: now).
    pub fn duty_of(&self, indicator_id: i64, known_at: Option<NaiveDate>) -> crate::domain::Duty {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).duties.known_on(indicator_id, known_at)
    }

    /// The current departments.
    pub fn departments(&self) -> Vec<Arc<crate::db::models::DepartmentRow>> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).departments.clone()
    }

    /// The current plans, in catalog order.
    pub fn plans(&self) -> Vec<Arc<crate::db::models::PlanRow>> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).plans.clone()
    }

    /// Polls for changes every `every` until the server stops.
    pub async fn keep_fresh(self: Arc<Self>, every: std::time::Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let judged = self.clone();
            match tokio::task::spawn_blocking(move || judged.refresh()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "the judgements could not be refreshed"),
                Err(e) => tracing::error!(error = %e, "the refresh task failed"),
            }
        }
    }
}

/// One department's part: the targets it answers for, the figures it reports and how they came.
#[derive(Debug, Clone)]
pub struct DepartmentView {
    pub department: Arc<crate::db::models::DepartmentRow>,
    /// The targets it owns (lead or co-owner), in catalog order.
    pub owned: Vec<super::Assessed>,
    /// The figures it reports, oldest due first.
    pub figures: Vec<super::DueFigure>,
    pub completeness: super::Completeness,
    /// The newest day a figure it reports arrived.
    pub last_received: Option<NaiveDate>,
}

impl Judged {
    /// Every department's part, for a judgement; departments with neither targets nor figures
    /// are left out.
    pub fn department_views(&self, judgement: &Judgement) -> JudgedResult<Vec<DepartmentView>> {
        let views = self.views_of(judgement, |_| true)?;
        Ok(views.into_iter().filter(|v| !v.owned.is_empty() || !v.figures.is_empty()).collect())
    }

    /// One department's part, or `None` when there is no such department.
    pub fn department_view(&self, slug: &str, judgement: &Judgement) -> JudgedResult<Option<DepartmentView>> {
        Ok(self.views_of(judgement, |d| d.slug == slug)?.into_iter().next())
    }

    /// The parts of the departments `wanted` keeps (only theirs are worked out).
    fn views_of(
        &self,
        judgement: &Judgement,
        wanted: impl Fn(&crate::db::models::DepartmentRow) -> bool,
    ) -> JudgedResult<Vec<DepartmentView>> {
        let view = self.view(judgement)?;
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        let figures = snapshot.figures(judgement);
        let views = snapshot
            .departments
            .iter()
            .filter(|d| wanted(d))
            .map(|department| {
                let slug = department.slug.as_str();
                let owned: Vec<super::Assessed> =
                    view.assessed.iter().filter(|a| a.owners.iter().any(|o| o == slug)).cloned().collect();
                let figures: Vec<super::DueFigure> =
                    figures.iter().filter(|f| f.reporter.as_deref() == Some(slug)).cloned().collect();
                let completeness = super::Completeness::of(figures.iter());
                // A figure the plan's text stated is no report of the department's.
                let last_received =
                    figures.iter().filter(|f| f.arrival != super::Arrival::Stated).filter_map(|f| f.received_on).max();
                DepartmentView { department: department.clone(), owned, figures, completeness, last_received }
            })
            .collect();
        Ok(views)
    }
}

/// Counts a judgement in progress for as long as it lives.
struct Judging<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Judging<'a> {
    fn counted(count: &'a std::sync::atomic::AtomicUsize) -> Judging<'a> {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Judging(count)
    }
}

impl Drop for Judging<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
