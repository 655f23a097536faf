//! Chart endpoints: `/charts/targets/{slug}.svg|.png` and `/charts/plans/{slug}.svg|.png`. Kept
//! per data generation with an ETag (a repeated request with If-None-Match costs no work).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::charts::{self, HEIGHT_RANGE, MAX_PNG_PIXELS, WIDTH_RANGE};
use crate::error::{AppError, ErrorEnvelope};
use crate::judged;
use crate::server::AppState;
use crate::server::params::{Asked, judgement, lang};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    /// Pixels, 200–4000 (default 800).
    #[param(minimum = 200, maximum = 4000)]
    pub width: Option<u32>,
    /// Pixels, 150–8000 (default 480; a plan overview grows to fit its targets).
    #[param(minimum = 150, maximum = 8000)]
    pub height: Option<u32>,
    /// `zh` (default) or `en`.
    #[param(value_type = Option<crate::present::Lang>)]
    pub lang: Option<String>,
    /// The date of the view (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only figures recorded by this date (YYYY-MM-DD): the view as it was known then. Default:
    /// every figure known now.
    #[param(value_type = Option<String>, format = Date)]
    pub known_at: Option<String>,
    /// Judge every target on this district's figures (a region of `targets/regions.toml`).
    pub region: Option<String>,
    /// `linear` (default) or `cagr`.
    #[param(value_type = Option<crate::progress::Method>)]
    pub method: Option<String>,
}

impl ChartQuery {
    fn asked(&self) -> Asked<'_> {
        Asked {
            as_of: self.as_of.as_deref(),
            known_at: self.known_at.as_deref(),
            method: self.method.as_deref(),
            region: self.region.as_deref(),
        }
    }
}

#[derive(Clone, Copy)]
enum Format {
    Svg,
    Png,
}

/// `slug.svg` → (slug, SVG).
fn split_file(file: &str) -> Result<(String, Format), AppError> {
    match file.rsplit_once('.') {
        Some((slug, "svg")) => Ok((slug.to_owned(), Format::Svg)),
        Some((slug, "png")) => Ok((slug.to_owned(), Format::Png)),
        _ => Err(AppError::not_found("chart", file)),
    }
}

fn size(query: &ChartQuery, default_height: u32, format: Format) -> Result<(u32, u32), AppError> {
    let width = query.width.unwrap_or(800);
    let height = query.height.unwrap_or(default_height);
    if !WIDTH_RANGE.contains(&width) {
        return Err(AppError::bad_parameter(
            "width",
            format!("{width} 不在 {WIDTH_RANGE:?} 像素之间"),
            format!("{width} is outside {WIDTH_RANGE:?} pixels"),
        ));
    }
    if !HEIGHT_RANGE.contains(&height) {
        return Err(AppError::bad_parameter(
            "height",
            format!("{height} 不在 {HEIGHT_RANGE:?} 像素之间"),
            format!("{height} is outside {HEIGHT_RANGE:?} pixels"),
        ));
    }
    if matches!(format, Format::Png) && width * height > MAX_PNG_PIXELS {
        return Err(AppError::bad_parameter(
            "height",
            format!("PNG 图像最多 {MAX_PNG_PIXELS} 像素（宽 × 高），{width} × {height} 超出：请缩小尺寸或改用 SVG"),
            format!(
                "a PNG holds at most {MAX_PNG_PIXELS} pixels (width × height); {width} × {height} is more: ask for less or for the SVG"
            ),
        ));
    }
    Ok((width, height))
}

/// The image (its ETag and caching come with the route: `server::responses`).
fn image(bytes: Vec<u8>, format: Format) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(match format {
            Format::Svg => "image/svg+xml; charset=utf-8",
            Format::Png => "image/png",
        })
        .body(bytes)
}

fn chart_failed(e: charts::ChartError) -> AppError {
    AppError::Internal(anyhow::anyhow!("chart: {e}"))
}

/// A PNG is drawn in one of a few slots (it may take 128 MB of pixels); an SVG needs none.
async fn drawing_slot(state: &AppState, format: Format) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, AppError> {
    match format {
        Format::Png => state.drawing_slot().await.map(Some),
        Format::Svg => Ok(None),
    }
}

/// A target's progress chart.
#[utoipa::path(
    get,
    path = "/charts/targets/{file}",

    params(("file" = String, Path, description = "`{slug}.svg` or `{slug}.png`"), ChartQuery),
    responses(
        (status = 200, description = "the chart", content((String = "image/svg+xml"), (String = "image/png"))),
        (status = 304, description = "not modified (ETag)"),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn target_chart(
    state: web::Data<AppState>,
    file: web::Path<String>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, format) = split_file(&file)?;
    let (width, height) = size(&query, 480, format)?;
    let lang = lang(query.lang.as_deref())?;
    // A revised plan's target: the version in force on the view's date.
    let (slug, judgement) = state
        .judged
        .target_shown(&slug, &judgement(query.asked(), &state.regions)?, query.asked().date_asked())
        .ok_or_else(|| AppError::not_found("target", &slug))?;
    let one = state.one(slug, &judgement).await?;
    let _slot = drawing_slot(&state, format).await?;
    // Drawn after the connection went back to the pool: a big PNG must not hold one.
    let bytes = web::block(move || {
        let chart = charts::target_chart(&one, lang);
        match format {
            Format::Svg => chart.svg(width, height).map(String::into_bytes),
            Format::Png => chart.png(width, height),
        }
        .map_err(chart_failed)
    })
    .await??;
    Ok(image(bytes, format))
}

/// A plan's overview: one bar per target.
#[utoipa::path(
    get,
    path = "/charts/plans/{file}",

    params(("file" = String, Path, description = "`{slug}.svg` or `{slug}.png`"), ChartQuery),
    responses(
        (status = 200, description = "the chart", content((String = "image/svg+xml"), (String = "image/png"))),
        (status = 304, description = "not modified (ETag)"),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn plan_chart(
    state: web::Data<AppState>,
    file: web::Path<String>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, format) = split_file(&file)?;
    let lang = lang(query.lang.as_deref())?;
    let judgement = judgement(query.asked(), &state.regions)?;
    // Sizes are checked before any work; the default height is the overview's own.
    size(&query, 480, format)?;
    let requested_height = query.height;
    let width = query.width.unwrap_or(800);
    let (plan, judgement) = state
        .judged
        .plan_shown(&slug, &judgement, query.asked().date_asked())
        .ok_or_else(|| AppError::not_found("plan", &slug))?;
    let view = {
        let _judging = state.judging_slot(&judgement).await?;
        state.view(&judgement).await?
    };
    let _slot = drawing_slot(&state, format).await?;
    // Drawn after the connection went back to the pool.
    let bytes = web::block(move || {
        let assessed: Vec<judged::Assessed> = view.of_plan(&plan.slug).cloned().collect();
        let overview = charts::plan_overview(&plan, &assessed, lang);
        let tallest = match format {
            Format::Png => (*HEIGHT_RANGE.end()).min(MAX_PNG_PIXELS / width),
            Format::Svg => *HEIGHT_RANGE.end(),
        };
        let height = requested_height.unwrap_or_else(|| overview.natural_height()).min(tallest);
        match format {
            Format::Svg => overview.svg(width, height).map(String::into_bytes),
            Format::Png => overview.png(width, height),
        }
        .map_err(chart_failed)
    })
    .await??;
    Ok(image(bytes, format))
}
