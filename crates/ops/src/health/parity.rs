//! `train_serve_parity`: the parity check of [`crate::parity`] on the latest date of the window
//! with predictions. It fails rather than warns: a feature the model learned from and did not
//! get live means the predictions being published are not the ones the backtest measured.

use super::{Check, Ctx};
use crate::Result;
use crate::parity;

pub async fn train_serve_parity(ctx: &Ctx<'_>) -> Result<Check> {
    let Some(date) = parity::latest_predicted_date(&ctx.store.db, ctx.from, ctx.to).await? else {
        return Ok(Check::failing_if_any(
            "train_serve_parity",
            format!(
                "no predictions in {}..{}: nothing to compare",
                ctx.from, ctx.to
            ),
            Vec::new(),
            1.0,
        ));
    };
    let report = parity::check(&ctx.store.db, date).await?;
    let missing = report.missing_features();
    let figure = format!(
        "{date} (latest predicted): {} models checked, {} features present in training and absent live{}, {} unchecked",
        report.models.len(),
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(" ({})", missing.join(", "))
        },
        report.unchecked.len()
    );
    Ok(Check::failing_if_any(
        "train_serve_parity",
        figure,
        report.failures(),
        1.0,
    ))
}
