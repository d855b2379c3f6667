//! PDF → positioned words, page by page: the half of the injury-report parser that knows PDFs.
//!
//! pdf-extract walks the content streams and reports every glyph with its text-rendering matrix;
//! [`Words`] (its `OutputDev`) joins glyphs into words by geometry: same baseline, and a gap to
//! the previous glyph's end narrower than a fraction of the font size. The report's generator
//! writes each word as its own text object and sometimes splits one word in two (`Two-` `Way`),
//! so the gap, not the text objects, decides. Coordinates stay in PDF space (points, y up).

use super::Piece;
use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use std::cell::{Cell, RefCell};
use std::sync::Once;

/// A gap wider than this share of the font size separates two words ("Adebayo," "Bam" are
/// 0.23 apart; the halves of a split word touch).
const WORD_GAP: f64 = 0.12;
/// Glyphs further apart vertically than this share of the font size are on different lines.
const SAME_LINE: f64 = 0.3;

/// The words of each page, in reading order of the content stream.
pub(super) fn words(bytes: &[u8]) -> Result<Vec<Vec<Piece>>, String> {
    let doc =
        pdf_extract::Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let mut out = Words::default();
    // pdf-extract panics on some malformed content (it unwraps freely); a damaged report must
    // be an error naming the file, not a crashed run.
    let walked = quietly(|| pdf_extract::output_doc(&doc, &mut out));
    match walked {
        Ok(Ok(())) => {
            out.flush();
            Ok(out.pages)
        }
        Ok(Err(e)) => Err(format!("the PDF's content could not be read: {e:?}")),
        Err(panic) => Err(format!("the PDF's content could not be read: {panic}")),
    }
}

thread_local! {
    /// Set while this thread runs pdf-extract: its panics become errors, not stderr noise.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into `Err(message)`. The process's panic hook is wrapped once so
/// that a panic on a thread inside `quietly` is recorded instead of printed; every other panic
/// goes to the previous hook unchanged.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                let message = info.payload_as_str().unwrap_or("a panic without a message");
                let at = info
                    .location()
                    .map(|l| format!(" ({}:{})", l.file(), l.line()));
                CAUGHT.with(|c| {
                    *c.borrow_mut() = Some(format!("{message}{}", at.unwrap_or_default()))
                });
            } else {
                previous(info)
            }
        }));
    });
    CATCHING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(false));
    result.map_err(|_| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "the PDF library failed on it".into())
    })
}

#[derive(Default)]
struct Words {
    pages: Vec<Vec<Piece>>,
    /// The word being built: start x, baseline y, end x, font size, text.
    current: Option<(f64, f64, f64, f64, String)>,
}

impl Words {
    fn flush(&mut self) {
        if let Some((x, y, _, _, text)) = self.current.take()
            && !text.is_empty()
            && let Some(page) = self.pages.last_mut()
        {
            page.push(Piece { x, y, text });
        }
    }
}

impl OutputDev for Words {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.flush();
        self.pages.push(Vec::new());
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.flush();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // The matrix scales (and here flips) the glyph; its determinant gives the scale.
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let size = (font_size * scale).abs().max(1.0);
        let (x, y) = (trm.m31, trm.m32);
        let end = x + width * size;
        if !(x.is_finite() && y.is_finite() && end.is_finite()) {
            return Ok(());
        }
        let blank = char.trim().is_empty();
        let continues = self
            .current
            .as_ref()
            .is_some_and(|(_, cy, cend, csize, _)| {
                (y - cy).abs() <= SAME_LINE * csize
                    && x >= cend - WORD_GAP * csize
                    && x - cend <= WORD_GAP * csize
            });
        if blank {
            // A space glyph ends the word; the next glyph starts a new one.
            self.flush();
            return Ok(());
        }
        if continues {
            if let Some(cur) = self.current.as_mut() {
                cur.2 = end;
                cur.4.push_str(char);
            }
        } else {
            self.flush();
            self.current = Some((x, y, end, size, char.to_string()));
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}
