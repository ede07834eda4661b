//! Charts for the web console, drawn as SVG on the server: each function takes the data and the
//! words of one chart and returns a complete `<svg>` element to be put inline in an HTML page.
//!
//! Why SVG written here rather than a JavaScript library such as ECharts: the page needs no
//! script to show a chart, so it works offline and on locked-down office machines; the same bytes
//! come out in a test, a screenshot and the browser, so a test can check what people see; SVG
//! prints sharply on paper (offices print their statistics); and a chart of a few dozen bars is a
//! few kilobytes, where a charting library is close to a megabyte of script.
//!
//! Data flows one way: the caller fills a [`BarChart`], [`GroupedBarChart`] or [`ShareChart`]
//! with labels, values and the words to show; the function measures the labels (a Chinese
//! character takes two columns, [`unicode_width`]), lays the chart out in a `viewBox` whose width
//! is fixed unless long labels or numbers need more, and writes the elements. The module does no
//! I/O and holds no words of its own: titles, units, the "no data" text and the mark for a
//! missing value all come from the caller, who takes them from the message catalogues.
//!
//! What the charts promise: every text is XML-escaped and control characters are dropped; a
//! value that is NaN or infinite is drawn as missing and never written out; negative values are
//! drawn left of the zero axis; a label too long for its column is cut with `…` by display width
//! and given whole in a tooltip (`<title>`); a chart grows in height with its categories. The
//! output grows linearly with the input, which the caller already bounds (a node's children, a
//! return's categories), so no category is ever dropped here: a chart that left rows out would
//! silently misstate the figures.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The fonts, Chinese first: the common CJK fonts of Linux, Windows and macOS offices, then the
/// browser's sans-serif. Written as an attribute of the root element rather than a `<style>`,
/// because a style inside inline SVG would apply to the whole HTML page.
const FONT_STACK: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', \
                          'PingFang SC', 'WenQuanYi Micro Hei', sans-serif";

/// The colours of the series and slices, in order: the default palette of ECharts, which the
/// dashboards of Chinese administrations use, so that the console looks familiar next to them.
/// A chart with more series than colours starts the palette again.
pub const PALETTE: [&str; 9] = [
    "#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4",
    "#ea7ccc",
];

/// Colour of text: dark grey, softer than black on white but well above WCAG AA contrast.
const TEXT_COLOUR: &str = "#333333";
/// Colour of secondary text (the unit, the legend's values, the "no data" text).
const MUTED_TEXT_COLOUR: &str = "#595959";
/// Colour of the zero axis.
const AXIS_COLOUR: &str = "#8c8c8c";

/// Width of the `viewBox` in user units: the page scales the chart to its column (`width="100%"`),
/// so this only sets the proportions and the size of text relative to the chart. 720 keeps 14-unit
/// text readable when the chart fills a laptop-wide column or a printed A4 page.
const VIEW_WIDTH: f64 = 720.0;
/// Space around the chart's content.
const MARGIN: f64 = 16.0;
/// Size of labels and values.
const FONT_SIZE: f64 = 14.0;
/// Size of the title.
const TITLE_FONT_SIZE: f64 = 16.0;
/// Size of the unit caption, the legend, and the values next to grouped bars.
const SMALL_FONT_SIZE: f64 = 12.0;
/// Width of one display column as a fraction of the font size. A Chinese character is one em
/// wide and two columns, a digit about 0.55 em and one column: 0.6 over-estimates both a little,
/// so that no label is cut by the edge of the chart.
const COLUMN_EM: f64 = 0.6;
/// Longest label, in display columns (12 Chinese characters): longer labels are cut with `…` so
/// that the bars keep most of the width. A county's full name fits.
const LABEL_COLUMNS_MAX: usize = 24;
/// Longest series name in a legend, in display columns.
const LEGEND_COLUMNS_MAX: usize = 16;
/// Columns that `…` is counted as: one in most fonts, but a full em in CJK fonts.
const ELLIPSIS_COLUMNS: usize = 2;
/// Most decimals a value is written with: beyond six, an f64 statistic shows noise, not data.
const DECIMALS_MAX: u32 = 6;
/// Narrowest plot area: when labels and numbers would leave less, the `viewBox` grows instead.
const PLOT_WIDTH_MIN: f64 = 240.0;
/// Gap between a label or a bar and the text next to it.
const GAP: f64 = 8.0;

/// Height of one category in a [`BarChart`].
const ROW_HEIGHT: f64 = 28.0;
/// Thickness of a bar in a [`BarChart`].
const BAR_HEIGHT: f64 = 18.0;
/// Thickness of one series' bar in a [`GroupedBarChart`].
const GROUPED_BAR_HEIGHT: f64 = 14.0;
/// Space between two series' bars of one category.
const GROUPED_BAR_GAP: f64 = 2.0;
/// Space above and below the bars of one category.
const GROUP_PADDING: f64 = 7.0;
/// Height of one line of a legend.
const LEGEND_ROW_HEIGHT: f64 = 22.0;
/// Side of a legend's colour square.
const SWATCH_SIZE: f64 = 12.0;
/// Outer radius of the donut of a [`ShareChart`].
const DONUT_RADIUS: f64 = 100.0;
/// Width of the donut's ring.
const DONUT_THICKNESS: f64 = 36.0;
/// Height of the chart that only says there is no data, header aside.
const NO_DATA_HEIGHT: f64 = 60.0;

/// One category and its value: a child node and its total, a carrier and its consumption.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelledValue {
    /// The category as people read it (银川市, 电力).
    pub label: String,
    /// The value; NaN or an infinity means the value is missing and is drawn as such.
    pub value: f64,
}

impl LabelledValue {
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Self {
            label: label.into(),
            value,
        }
    }

    /// A value kept as a decimal (as returns hold them); one too large for an f64 is missing.
    pub fn from_decimal(label: impl Into<String>, value: Decimal) -> Self {
        Self::new(label, decimal_to_f64(value))
    }
}

/// Horizontal bars, one per category, with the value at the end of each bar: a breakdown by
/// child node, or vehicles by category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Shown above the chart and read out by screen readers.
    pub title: String,
    /// The unit caption under the title, shown as given (吨标准煤, or 单位：吨标准煤).
    pub unit: String,
    /// Decimals of the values written next to the bars (at most six).
    pub decimals: u32,
    /// Shown instead of the chart when there are no categories.
    pub no_data_text: String,
    /// Shown in place of a missing value (for example "—").
    pub missing_text: String,
    /// The categories, drawn top to bottom in this order.
    pub bars: Vec<LabelledValue>,
}

/// One category of a [`GroupedBarChart`], with one value per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    /// The category as people read it.
    pub label: String,
    /// One value per series, in the order of [`GroupedBarChart::series`]; a value that is absent,
    /// NaN or infinite is missing.
    pub values: Vec<f64>,
}

impl Group {
    pub fn new(label: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            label: label.into(),
            values,
        }
    }

    /// Values kept as decimals; one too large for an f64 is missing.
    pub fn from_decimals(label: impl Into<String>, values: &[Decimal]) -> Self {
        Self::new(label, values.iter().copied().map(decimal_to_f64).collect())
    }
}

/// Horizontal bars of two or more series side by side per category, with a legend: this year
/// against last year, each child node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupedBarChart {
    /// Shown above the chart and read out by screen readers.
    pub title: String,
    /// The unit caption under the title, shown as given.
    pub unit: String,
    /// Decimals of the values written next to the bars (at most six).
    pub decimals: u32,
    /// Shown instead of the chart when there are no categories or no series.
    pub no_data_text: String,
    /// Shown in place of a missing value.
    pub missing_text: String,
    /// The names of the series, for the legend (2024年, 2025年).
    pub series: Vec<String>,
    /// The categories, drawn top to bottom in this order.
    pub groups: Vec<Group>,
    /// Whether to write, right of each category, the change from the first series to the last
    /// in percent (year on year); left out where the first value is zero or either is missing,
    /// and when there is only one series.
    pub show_change: bool,
}

/// A donut of shares with a legend giving each share in percent: the energy mix by carrier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareChart {
    /// Shown above the chart and read out by screen readers.
    pub title: String,
    /// The unit of the values, under the total in the donut's hole and next to the legend's
    /// values.
    pub unit: String,
    /// Decimals of the values in the legend and of the total (at most six).
    pub decimals: u32,
    /// Shown instead of the chart when nothing has a share: no slices, or a total of zero.
    pub no_data_text: String,
    /// Shown in the legend for a slice whose value is missing or negative (a negative amount
    /// has no share of a whole).
    pub missing_text: String,
    /// The parts, clockwise from the top and down the legend in this order.
    pub slices: Vec<LabelledValue>,
}

/// Draws horizontal bars from a zero axis: positive values to the right, negative to the left.
pub fn bar_chart(chart: &BarChart) -> String {
    let header = Header::new(&chart.title, &chart.unit);
    if chart.bars.is_empty() {
        return no_data_chart(&header, &chart.no_data_text);
    }
    let decimals = chart.decimals.min(DECIMALS_MAX);
    let values: Vec<Option<f64>> = chart.bars.iter().map(|bar| finite(bar.value)).collect();
    let value_texts: Vec<String> = values
        .iter()
        .map(|value| value_text(*value, decimals, &chart.missing_text))
        .collect();
    let labels: Vec<&str> = chart.bars.iter().map(|bar| bar.label.as_str()).collect();

    let label_width = text_width(max_columns(&labels, LABEL_COLUMNS_MAX), FONT_SIZE);
    let value_width = text_width(max_columns(&value_texts, usize::MAX), FONT_SIZE) + GAP;
    let scale = Scale::over(values.iter().flatten().copied());
    let plot_left = MARGIN + label_width + GAP + if scale.has_negative { value_width } else { 0.0 };
    let width = VIEW_WIDTH.max(plot_left + PLOT_WIDTH_MIN + value_width + MARGIN);
    let plot = Plot {
        left: plot_left,
        right: width - MARGIN - value_width,
        scale,
    };
    let height = header.body_top + chart.bars.len() as f64 * ROW_HEIGHT + MARGIN;

    let mut body = header.draw(width);
    let axis_x = plot.x(0.0);
    for (index, (bar, value)) in chart.bars.iter().zip(&values).enumerate() {
        let centre = header.body_top + (index as f64 + 0.5) * ROW_HEIGHT;
        write_label(&mut body, &bar.label, MARGIN + label_width, centre);
        let tooltip = format!("{} {} {}", bar.label, value_texts[index], chart.unit);
        body.push_str("<g>");
        write_tooltip(&mut body, tooltip.trim_end());
        write_bar(&mut body, &plot, *value, centre, BAR_HEIGHT, PALETTE[0]);
        body.push_str("</g>");
        write_value(
            &mut body,
            &plot,
            *value,
            &value_texts[index],
            centre,
            FONT_SIZE,
        );
    }
    write_axis(&mut body, axis_x, header.body_top, height - MARGIN);
    svg_element(width, height, &chart.title, &body)
}

/// Draws the series of each category as bars side by side, with a legend above and, if asked,
/// the change from the first series to the last on the right.
pub fn grouped_bar_chart(chart: &GroupedBarChart) -> String {
    let header = Header::new(&chart.title, &chart.unit);
    let n_series = chart.series.len();
    if chart.groups.is_empty() || n_series == 0 {
        return no_data_chart(&header, &chart.no_data_text);
    }
    let decimals = chart.decimals.min(DECIMALS_MAX);
    let values: Vec<Vec<Option<f64>>> = chart
        .groups
        .iter()
        .map(|group| {
            (0..n_series)
                .map(|series_index| group.values.get(series_index).copied().and_then(finite))
                .collect()
        })
        .collect();
    let value_texts: Vec<Vec<String>> = values
        .iter()
        .map(|row| {
            row.iter()
                .map(|value| value_text(*value, decimals, &chart.missing_text))
                .collect()
        })
        .collect();
    let change_texts: Vec<Option<String>> = values
        .iter()
        .map(|row| {
            if chart.show_change && n_series > 1 {
                change_text(row[0], row[n_series - 1])
            } else {
                None
            }
        })
        .collect();
    let labels: Vec<&str> = chart
        .groups
        .iter()
        .map(|group| group.label.as_str())
        .collect();

    let label_width = text_width(max_columns(&labels, LABEL_COLUMNS_MAX), FONT_SIZE);
    let value_width = text_width(
        max_columns(value_texts.iter().flatten(), usize::MAX),
        SMALL_FONT_SIZE,
    ) + GAP;
    let change_columns = max_columns(change_texts.iter().flatten(), usize::MAX);
    let change_width = if change_columns == 0 {
        0.0
    } else {
        text_width(change_columns, SMALL_FONT_SIZE) + 2.0 * GAP
    };
    let scale = Scale::over(values.iter().flatten().flatten().copied());
    let plot_left = MARGIN + label_width + GAP + if scale.has_negative { value_width } else { 0.0 };
    let width = VIEW_WIDTH.max(plot_left + PLOT_WIDTH_MIN + value_width + change_width + MARGIN);
    let plot = Plot {
        left: plot_left,
        right: width - MARGIN - change_width - value_width,
        scale,
    };

    let mut body = header.draw(width);
    let legend_items: Vec<(&str, &str)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(index, name)| (name.as_str(), colour(index)))
        .collect();
    let legend_bottom = write_legend(&mut body, &legend_items, plot_left, width, header.body_top);
    let groups_top = legend_bottom + GAP;
    let bars_height = n_series as f64 * (GROUPED_BAR_HEIGHT + GROUPED_BAR_GAP) - GROUPED_BAR_GAP;
    let group_height = bars_height + 2.0 * GROUP_PADDING;
    let height = groups_top + chart.groups.len() as f64 * group_height + MARGIN;

    for (group_index, group) in chart.groups.iter().enumerate() {
        let group_top = groups_top + group_index as f64 * group_height;
        write_label(
            &mut body,
            &group.label,
            MARGIN + label_width,
            group_top + group_height / 2.0,
        );
        for series_index in 0..n_series {
            let centre = group_top
                + GROUP_PADDING
                + series_index as f64 * (GROUPED_BAR_HEIGHT + GROUPED_BAR_GAP)
                + GROUPED_BAR_HEIGHT / 2.0;
            let value = values[group_index][series_index];
            let text = &value_texts[group_index][series_index];
            let tooltip = format!(
                "{} {} {} {}",
                group.label, chart.series[series_index], text, chart.unit
            );
            body.push_str("<g>");
            write_tooltip(&mut body, tooltip.trim_end());
            write_bar(
                &mut body,
                &plot,
                value,
                centre,
                GROUPED_BAR_HEIGHT,
                colour(series_index),
            );
            body.push_str("</g>");
            write_value(&mut body, &plot, value, text, centre, SMALL_FONT_SIZE);
        }
        if let Some(change) = &change_texts[group_index] {
            let _ = write!(
                body,
                r#"<text class="change" x="{}" y="{}" dy="0.35em" text-anchor="end" font-size="{}" fill="{}">{}</text>"#,
                number(width - MARGIN),
                number(group_top + group_height / 2.0),
                number(SMALL_FONT_SIZE),
                MUTED_TEXT_COLOUR,
                escape(change),
            );
        }
    }
    write_axis(&mut body, plot.x(0.0), groups_top, height - MARGIN);
    svg_element(width, height, &chart.title, &body)
}

/// Draws a donut of the slices' shares of their total, the total in its hole, and a legend of
/// each slice's share in percent with one decimal and its value.
pub fn share_chart(chart: &ShareChart) -> String {
    // The unit is written under the total and after each value, so not again under the title.
    let header = Header::new(&chart.title, "");
    let decimals = chart.decimals.min(DECIMALS_MAX);
    // A share exists only for a finite amount that is not negative.
    let amounts: Vec<Option<f64>> = chart
        .slices
        .iter()
        .map(|slice| finite(slice.value).filter(|value| *value >= 0.0))
        .collect();
    // Summed in halves so that two values near f64::MAX do not add up to an infinity.
    let half_total: f64 = amounts.iter().flatten().map(|value| value / 2.0).sum();
    if half_total <= 0.0 || !half_total.is_finite() {
        return no_data_chart(&header, &chart.no_data_text);
    }
    let shares: Vec<Option<f64>> = amounts
        .iter()
        .map(|amount| amount.map(|value| value / 2.0 / half_total))
        .collect();
    let share_texts: Vec<String> = shares
        .iter()
        .map(|share| match share {
            Some(share) => format!("{:.1}%", share * 100.0),
            None => chart.missing_text.clone(),
        })
        .collect();
    let value_texts: Vec<String> = chart
        .slices
        .iter()
        .map(|slice| {
            let text = value_text(finite(slice.value), decimals, &chart.missing_text);
            if chart.unit.is_empty() {
                text
            } else {
                format!("{text} {}", chart.unit)
            }
        })
        .collect();
    let labels: Vec<&str> = chart
        .slices
        .iter()
        .map(|slice| slice.label.as_str())
        .collect();

    let legend_left = MARGIN + 2.0 * DONUT_RADIUS + 4.0 * GAP;
    let label_left = legend_left + SWATCH_SIZE + GAP;
    let share_right = label_left
        + text_width(max_columns(&labels, LABEL_COLUMNS_MAX), FONT_SIZE)
        + 2.0 * GAP
        + text_width(max_columns(&share_texts, usize::MAX), FONT_SIZE);
    let value_right = share_right
        + 2.0 * GAP
        + text_width(max_columns(&value_texts, usize::MAX), SMALL_FONT_SIZE);
    let width = VIEW_WIDTH.max(value_right + MARGIN);
    let legend_height = chart.slices.len() as f64 * LEGEND_ROW_HEIGHT;
    let body_height = legend_height.max(2.0 * DONUT_RADIUS);
    let height = header.body_top + body_height + MARGIN;

    let mut body = header.draw(width);
    let centre_x = MARGIN + DONUT_RADIUS;
    let centre_y = header.body_top + body_height / 2.0;
    let ring_radius = DONUT_RADIUS - DONUT_THICKNESS / 2.0;
    let circumference = 2.0 * std::f64::consts::PI * ring_radius;
    let _ = write!(
        body,
        r#"<g transform="rotate(-90 {} {})">"#,
        number(centre_x),
        number(centre_y)
    );
    let mut start = 0.0;
    for (index, (slice, share)) in chart.slices.iter().zip(&shares).enumerate() {
        let Some(share) = share.filter(|share| *share > 0.0) else {
            continue;
        };
        let length = share * circumference;
        body.push_str("<g>");
        write_tooltip(
            &mut body,
            &format!(
                "{} {} {}",
                slice.label, share_texts[index], value_texts[index]
            ),
        );
        let _ = write!(
            body,
            r#"<circle class="slice" cx="{}" cy="{}" r="{}" fill="none" stroke="{}" stroke-width="{}" stroke-dasharray="{} {}" stroke-dashoffset="{}"/>"#,
            number(centre_x),
            number(centre_y),
            number(ring_radius),
            colour(index),
            number(DONUT_THICKNESS),
            number(length),
            number(circumference),
            number(-start),
        );
        body.push_str("</g>");
        start += length;
    }
    body.push_str("</g>");
    let total = value_text(finite(half_total * 2.0), decimals, &chart.missing_text);
    let _ = write!(
        body,
        r#"<text class="total" x="{}" y="{}" text-anchor="middle" font-size="{}" font-weight="bold" fill="{}">{}</text>"#,
        number(centre_x),
        number(centre_y),
        number(TITLE_FONT_SIZE),
        TEXT_COLOUR,
        escape(&total),
    );
    if !chart.unit.is_empty() {
        let hole_columns =
            (2.0 * (DONUT_RADIUS - DONUT_THICKNESS) / (COLUMN_EM * SMALL_FONT_SIZE)) as usize;
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{}">{}</text>"#,
            number(centre_x),
            number(centre_y + SMALL_FONT_SIZE + 4.0),
            number(SMALL_FONT_SIZE),
            MUTED_TEXT_COLOUR,
            escape(&truncate_to_columns(&chart.unit, hole_columns)),
        );
    }

    let legend_top = centre_y - legend_height / 2.0;
    for (index, slice) in chart.slices.iter().enumerate() {
        let centre = legend_top + (index as f64 + 0.5) * LEGEND_ROW_HEIGHT;
        let _ = write!(
            body,
            r#"<rect x="{}" y="{}" width="{size}" height="{size}" rx="2" fill="{}"/>"#,
            number(legend_left),
            number(centre - SWATCH_SIZE / 2.0),
            colour(index),
            size = number(SWATCH_SIZE),
        );
        let label = truncate_to_columns(&slice.label, LABEL_COLUMNS_MAX);
        body.push_str("<text");
        let _ = write!(
            body,
            r#" x="{}" y="{}" dy="0.35em" fill="{}">"#,
            number(label_left),
            number(centre),
            TEXT_COLOUR
        );
        if label != slice.label {
            write_tooltip(&mut body, &slice.label);
        }
        let _ = write!(body, "{}</text>", escape(&label));
        let _ = write!(
            body,
            r#"<text class="share" x="{}" y="{}" dy="0.35em" text-anchor="end" fill="{}">{}</text>"#,
            number(share_right),
            number(centre),
            TEXT_COLOUR,
            escape(&share_texts[index]),
        );
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" dy="0.35em" text-anchor="end" font-size="{}" fill="{}">{}</text>"#,
            number(value_right),
            number(centre),
            number(SMALL_FONT_SIZE),
            MUTED_TEXT_COLOUR,
            escape(&value_texts[index]),
        );
    }
    svg_element(width, height, &chart.title, &body)
}

/// The title and unit lines at the top of every chart, and where the chart's body starts.
struct Header<'a> {
    title: &'a str,
    unit: &'a str,
    body_top: f64,
}

impl<'a> Header<'a> {
    fn new(title: &'a str, unit: &'a str) -> Self {
        let mut body_top = MARGIN;
        if !title.is_empty() {
            body_top += TITLE_FONT_SIZE + GAP;
        }
        if !unit.is_empty() {
            body_top += SMALL_FONT_SIZE + GAP;
        }
        Self {
            title,
            unit,
            body_top: body_top + GAP,
        }
    }

    /// The title and unit lines, each cut to the chart's width (the title is whole in the
    /// `<title>` element and the `aria-label`).
    fn draw(&self, width: f64) -> String {
        let mut text = String::new();
        let mut baseline = MARGIN;
        if !self.title.is_empty() {
            baseline += TITLE_FONT_SIZE;
            let columns = ((width - 2.0 * MARGIN) / (COLUMN_EM * TITLE_FONT_SIZE)) as usize;
            let _ = write!(
                text,
                r#"<text class="title" x="{}" y="{}" font-size="{}" font-weight="bold" fill="{}">{}</text>"#,
                number(MARGIN),
                number(baseline),
                number(TITLE_FONT_SIZE),
                TEXT_COLOUR,
                escape(&truncate_to_columns(self.title, columns)),
            );
            baseline += GAP;
        }
        if !self.unit.is_empty() {
            baseline += SMALL_FONT_SIZE;
            let columns = ((width - 2.0 * MARGIN) / (COLUMN_EM * SMALL_FONT_SIZE)) as usize;
            let _ = write!(
                text,
                r#"<text class="unit" x="{}" y="{}" font-size="{}" fill="{}">{}</text>"#,
                number(MARGIN),
                number(baseline),
                number(SMALL_FONT_SIZE),
                MUTED_TEXT_COLOUR,
                escape(&truncate_to_columns(self.unit, columns)),
            );
        }
        text
    }
}

/// Where values fall on the horizontal axis: the range of the values widened to take in zero.
#[derive(Debug, Clone, Copy)]
struct Scale {
    minimum: f64,
    maximum: f64,
    has_negative: bool,
}

impl Scale {
    fn over(values: impl Iterator<Item = f64>) -> Self {
        let (minimum, maximum) = values.fold((0.0_f64, 0.0_f64), |(low, high), value| {
            (low.min(value), high.max(value))
        });
        Self {
            minimum,
            maximum,
            has_negative: minimum < 0.0,
        }
    }

    /// Where a value falls between 0 (the minimum) and 1 (the maximum). Worked in halves so that
    /// a range from -f64::MAX to f64::MAX does not overflow; all zeros put everything at 0.
    fn fraction(&self, value: f64) -> f64 {
        let half_span = self.maximum / 2.0 - self.minimum / 2.0;
        if half_span <= 0.0 {
            0.0
        } else {
            (value / 2.0 - self.minimum / 2.0) / half_span
        }
    }
}

/// The plot area of a bar chart, in user units, and its scale.
struct Plot {
    left: f64,
    right: f64,
    scale: Scale,
}

impl Plot {
    fn x(&self, value: f64) -> f64 {
        self.left + self.scale.fraction(value) * (self.right - self.left)
    }
}

/// A category's label, right-aligned against the bars, cut to [`LABEL_COLUMNS_MAX`] with the
/// whole label as its tooltip when cut.
fn write_label(svg: &mut String, label: &str, right: f64, centre: f64) {
    let shown = truncate_to_columns(label, LABEL_COLUMNS_MAX);
    let _ = write!(
        svg,
        r#"<text class="label" x="{}" y="{}" dy="0.35em" text-anchor="end" fill="{}">"#,
        number(right),
        number(centre),
        TEXT_COLOUR
    );
    if shown != label {
        write_tooltip(svg, label);
    }
    let _ = write!(svg, "{}</text>", escape(&shown));
}

/// A bar from the zero axis to the value; nothing for a missing value.
fn write_bar(
    svg: &mut String,
    plot: &Plot,
    value: Option<f64>,
    centre: f64,
    thickness: f64,
    fill: &str,
) {
    let Some(value) = value else {
        return;
    };
    let axis = plot.x(0.0);
    let end = plot.x(value);
    let _ = write!(
        svg,
        r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
        number(axis.min(end)),
        number(centre - thickness / 2.0),
        number((end - axis).abs()),
        number(thickness),
        fill,
    );
}

/// A value's text just past the end of its bar: right of a positive bar, left of a negative one,
/// right of the axis for zero or a missing value.
fn write_value(
    svg: &mut String,
    plot: &Plot,
    value: Option<f64>,
    text: &str,
    centre: f64,
    font_size: f64,
) {
    let end = plot.x(value.unwrap_or(0.0));
    let (x, anchor) = if value.is_some_and(|value| value < 0.0) {
        (end - GAP / 2.0, "end")
    } else {
        (end + GAP / 2.0, "start")
    };
    let _ = write!(
        svg,
        r#"<text class="value" x="{}" y="{}" dy="0.35em" text-anchor="{}" font-size="{}" fill="{}">{}</text>"#,
        number(x),
        number(centre),
        anchor,
        number(font_size),
        TEXT_COLOUR,
        escape(text),
    );
}

/// The vertical zero axis.
fn write_axis(svg: &mut String, x: f64, top: f64, bottom: f64) {
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{}" stroke-width="1"/>"#,
        number(top),
        number(bottom),
        AXIS_COLOUR,
        x = number(x),
    );
}

/// A tooltip (and accessible name) for the element that contains it.
fn write_tooltip(svg: &mut String, text: &str) {
    let _ = write!(svg, "<title>{}</title>", escape(text));
}

/// A legend of colour squares and names, in lines from `left` that wrap before `right`; returns
/// the bottom of its last line.
fn write_legend(svg: &mut String, items: &[(&str, &str)], left: f64, right: f64, top: f64) -> f64 {
    let mut x = left;
    let mut centre = top + LEGEND_ROW_HEIGHT / 2.0;
    for (name, fill) in items {
        let name = truncate_to_columns(name, LEGEND_COLUMNS_MAX);
        let item_width = SWATCH_SIZE + GAP / 2.0 + text_width(name.width(), SMALL_FONT_SIZE);
        if x > left && x + item_width > right - MARGIN {
            x = left;
            centre += LEGEND_ROW_HEIGHT;
        }
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{size}" height="{size}" rx="2" fill="{}"/><text class="legend" x="{}" y="{}" dy="0.35em" font-size="{}" fill="{}">{}</text>"#,
            number(x),
            number(centre - SWATCH_SIZE / 2.0),
            fill,
            number(x + SWATCH_SIZE + GAP / 2.0),
            number(centre),
            number(SMALL_FONT_SIZE),
            TEXT_COLOUR,
            escape(&name),
            size = number(SWATCH_SIZE),
        );
        x += item_width + 2.0 * GAP;
    }
    centre + LEGEND_ROW_HEIGHT / 2.0
}

/// The chart that only says there is nothing to draw, in the caller's words.
fn no_data_chart(header: &Header, no_data_text: &str) -> String {
    let height = header.body_top + NO_DATA_HEIGHT;
    let mut body = header.draw(VIEW_WIDTH);
    let _ = write!(
        body,
        r#"<text class="no-data" x="{}" y="{}" dy="0.35em" text-anchor="middle" fill="{}">{}</text>"#,
        number(VIEW_WIDTH / 2.0),
        number(header.body_top + NO_DATA_HEIGHT / 2.0 - MARGIN / 2.0),
        MUTED_TEXT_COLOUR,
        escape(no_data_text),
    );
    svg_element(VIEW_WIDTH, height, header.title, &body)
}

/// The root element around a chart's body: scaled to the page's width, named for screen readers.
fn svg_element(width: f64, height: f64, title: &str, body: &str) -> String {
    let title = escape(title);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{title}" font-family="{}" font-size="{}"><title>{title}</title>{body}</svg>"#,
        number(width),
        number(height),
        escape(FONT_STACK),
        number(FONT_SIZE),
    )
}

/// The palette's colour for a series or slice.
fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// A value that can be drawn: `None` for NaN and the infinities.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// A decimal as an f64; NaN (drawn as missing) if it does not fit.
fn decimal_to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

/// A value for people, or the caller's mark for a missing one.
fn value_text(value: Option<f64>, decimals: u32, missing_text: &str) -> String {
    match value {
        Some(value) => format_value(value, decimals),
        None => missing_text.to_owned(),
    }
}

/// A value with thousands separators and a fixed number of decimals: `-1,234,567.80`. A value
/// that rounds to zero has no sign.
fn format_value(value: f64, decimals: u32) -> String {
    let rounded = format!("{:.*}", decimals as usize, value.abs());
    let (integer, fraction) = match rounded.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (rounded.as_str(), None),
    };
    let mut text = String::new();
    let is_zero = rounded.chars().all(|digit| digit == '0' || digit == '.');
    if value < 0.0 && !is_zero {
        text.push('-');
    }
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    if let Some(fraction) = fraction {
        text.push('.');
        text.push_str(fraction);
    }
    text
}

/// The change from `before` to `after` in percent with one decimal and its sign: `+12.5%`;
/// nothing where it has no meaning (either missing, or `before` zero).
fn change_text(before: Option<f64>, after: Option<f64>) -> Option<String> {
    let (before, after) = (before?, after?);
    if before == 0.0 {
        return None;
    }
    let percent = finite((after - before) / before.abs() * 100.0)?;
    let rounded = (percent * 10.0).round() / 10.0;
    Some(if rounded == 0.0 {
        "0.0%".to_owned()
    } else {
        format!("{rounded:+.1}%")
    })
}

/// A coordinate or size for an attribute: one decimal is finer than any screen or printer needs.
/// Every number written goes through here, so that NaN can never reach the SVG.
fn number(value: f64) -> String {
    debug_assert!(
        value.is_finite(),
        "a chart coordinate is not finite: {value}"
    );
    let value = if value.is_finite() { value } else { 0.0 };
    let text = format!("{:.1}", value + 0.0);
    let text = text.strip_suffix(".0").unwrap_or(&text);
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Width in user units of text of so many display columns at a font size.
fn text_width(columns: usize, font_size: f64) -> f64 {
    columns as f64 * COLUMN_EM * font_size
}

/// The widest of some texts in display columns, each counted at most `limit`.
fn max_columns<T: AsRef<str>>(texts: impl IntoIterator<Item = T>, limit: usize) -> usize {
    texts
        .into_iter()
        .map(|text| clean(text.as_ref()).width().min(limit))
        .max()
        .unwrap_or(0)
}

/// Text cut to at most `columns` display columns, ending in `…` when cut.
fn truncate_to_columns(text: &str, columns: usize) -> String {
    let text = clean(text);
    if text.width() <= columns {
        return text;
    }
    let budget = columns.saturating_sub(ELLIPSIS_COLUMNS);
    let mut used = 0;
    let mut cut = String::new();
    for character in text.chars() {
        let character_width = character.width().unwrap_or(0);
        if used + character_width > budget {
            break;
        }
        used += character_width;
        cut.push(character);
    }
    cut.push('…');
    cut
}

/// Text with control characters taken out (XML cannot hold most of them) and line breaks and
/// tabs made spaces (a chart's text is one line).
fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|character| match character {
            '\t' | '\n' | '\r' => Some(' '),
            '\u{fffe}' | '\u{ffff}' => None,
            _ if character.is_control() => None,
            _ => Some(character),
        })
        .collect()
}

/// Text for an XML text node or attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in clean(text).chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that a chart is one well-formed element: tags balance, quotes pair up, and every
    /// `&` starts an entity. Attribute values cannot hide a `>`, since [`escape`] writes it as
    /// `&gt;`, so a tag ends at the first `>`.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        for (at, _) in svg.match_indices('&') {
            let entity = &svg[at..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|known| entity.starts_with(known)),
                "a bare & at {at}: {svg}"
            );
        }
        let mut open: Vec<&str> = Vec::new();
        let mut n_roots = 0;
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            assert!(!rest[..start].contains('>'), "a bare > in text: {svg}");
            let end = start + rest[start..].find('>').expect("every tag is closed");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "a < inside <{tag}>");
            assert_eq!(tag.matches('"').count() % 2, 0, "quotes pair up in <{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "closing </{name}> matches");
            } else {
                let name = tag
                    .split(|character: char| character.is_whitespace() || character == '/')
                    .next()
                    .unwrap();
                assert!(!name.is_empty(), "a tag has a name: <{tag}>");
                if open.is_empty() {
                    n_roots += 1;
                }
                if !tag.ends_with('/') {
                    open.push(name);
                }
            }
            rest = &rest[end + 1..];
        }
        assert!(rest.is_empty(), "nothing after the root: {rest}");
        assert!(open.is_empty(), "unclosed: {open:?}");
        assert_eq!(n_roots, 1);
    }

    /// The opening tags of elements with a class, in order.
    fn tags_of_class<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
        let marker = format!(r#"class="{class}""#);
        svg.split('<')
            .filter(|tag| tag.contains(&marker))
            .map(|tag| tag.split('>').next().unwrap())
            .collect()
    }

    fn attribute<'a>(tag: &'a str, name: &str) -> &'a str {
        let marker = format!(r#" {name}=""#);
        let start = tag
            .find(&marker)
            .unwrap_or_else(|| panic!("{name} in {tag}"))
            + marker.len();
        let length = tag[start..].find('"').unwrap();
        &tag[start..start + length]
    }

    fn number_attribute(tag: &str, name: &str) -> f64 {
        attribute(tag, name).parse().unwrap()
    }

    /// The text of elements with a class, in order.
    fn texts_of_class(svg: &str, class: &str) -> Vec<String> {
        let marker = format!(r#"class="{class}""#);
        let mut texts = Vec::new();
        let mut rest = svg;
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest.find("</text>").unwrap();
            let content = &rest[start..end];
            // A cut label carries its tooltip first.
            let content = content.rsplit("</title>").next().unwrap();
            texts.push(content.to_owned());
            rest = &rest[end..];
        }
        texts
    }

    fn view_height(svg: &str) -> f64 {
        let view_box = attribute(svg, "viewBox");
        view_box.split(' ').nth(3).unwrap().parse().unwrap()
    }

    fn bars(values: &[(&str, f64)]) -> BarChart {
        BarChart {
            title: "能源消费量".to_owned(),
            unit: "吨标准煤".to_owned(),
            decimals: 1,
            no_data_text: "暂无数据".to_owned(),
            missing_text: "—".to_owned(),
            bars: values
                .iter()
                .map(|(label, value)| LabelledValue::new(*label, *value))
                .collect(),
        }
    }

    fn year_on_year(groups: Vec<Group>) -> GroupedBarChart {
        GroupedBarChart {
            title: "同比".to_owned(),
            unit: "吨标准煤".to_owned(),
            decimals: 0,
            no_data_text: "暂无数据".to_owned(),
            missing_text: "—".to_owned(),
            series: vec!["2024年".to_owned(), "2025年".to_owned()],
            groups,
            show_change: true,
        }
    }

    fn shares(values: &[(&str, f64)]) -> ShareChart {
        ShareChart {
            title: "能源消费结构".to_owned(),
            unit: "吨标准煤".to_owned(),
            decimals: 1,
            no_data_text: "暂无数据".to_owned(),
            missing_text: "—".to_owned(),
            slices: values
                .iter()
                .map(|(label, value)| LabelledValue::new(*label, *value))
                .collect(),
        }
    }

    #[test]
    fn every_chart_is_well_formed_and_named_for_screen_readers() {
        let charts = [
            bar_chart(&bars(&[("银川市", 1234.5), ("石嘴山市", 800.0)])),
            grouped_bar_chart(&year_on_year(vec![
                Group::new("银川市", vec![100.0, 112.5]),
                Group::new("吴忠市", vec![90.0]),
            ])),
            share_chart(&shares(&[("电力", 3.0), ("天然气", 1.0)])),
            bar_chart(&bars(&[])),
        ];
        for svg in &charts {
            assert_well_formed(svg);
            assert!(svg.contains(r#"role="img""#), "{svg}");
            assert!(svg.contains(r#"width="100%""#), "{svg}");
            assert!(svg.contains("viewBox=\"0 0 "), "{svg}");
            assert!(svg.contains("aria-label=\""), "{svg}");
            assert!(svg.contains("<title>"), "{svg}");
            assert!(svg.contains("Noto Sans CJK SC"), "{svg}");
        }
    }

    #[test]
    fn every_text_is_escaped() {
        let nasty = r#"<script>alert('x')</script> & "q""#;
        let mut bar = bars(&[(nasty, 1.0)]);
        bar.title = nasty.to_owned();
        bar.unit = nasty.to_owned();
        let mut grouped = year_on_year(vec![Group::new(nasty, vec![1.0, 2.0])]);
        grouped.series = vec![nasty.to_owned(), nasty.to_owned()];
        let mut share = shares(&[(nasty, 1.0)]);
        share.unit = nasty.to_owned();
        let mut empty = bars(&[]);
        empty.no_data_text = nasty.to_owned();
        for svg in [
            bar_chart(&bar),
            grouped_bar_chart(&grouped),
            share_chart(&share),
            bar_chart(&empty),
        ] {
            assert_well_formed(&svg);
            assert!(!svg.contains("<script"), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)"), "{svg}");
            assert!(svg.contains("&amp; &quot;q&quot;"), "{svg}");
        }
    }

    #[test]
    fn control_characters_are_left_out() {
        let svg = bar_chart(&bars(&[("银川\u{0}市\u{1b}[31m\n", 1.0)]));
        assert_well_formed(&svg);
        assert!(!svg.contains('\u{0}') && !svg.contains('\u{1b}') && !svg.contains('\n'));
        assert_eq!(texts_of_class(&svg, "label"), ["银川市[31m "]);
    }

    #[test]
    fn bar_lengths_are_proportional_to_values() {
        let svg = bar_chart(&bars(&[("a", 100.0), ("b", 50.0), ("c", 25.0), ("d", 0.0)]));
        let widths: Vec<f64> = tags_of_class(&svg, "bar")
            .iter()
            .map(|tag| number_attribute(tag, "width"))
            .collect();
        assert_eq!(widths.len(), 4);
        assert!(
            widths[0] > 200.0,
            "the largest bar uses the plot: {widths:?}"
        );
        assert!((widths[1] / widths[0] - 0.5).abs() < 0.01, "{widths:?}");
        assert!((widths[2] / widths[0] - 0.25).abs() < 0.01, "{widths:?}");
        assert_eq!(widths[3], 0.0);
        let axis = number_attribute(tags_of_class(&svg, "axis")[0], "x1");
        for tag in tags_of_class(&svg, "bar") {
            assert_eq!(number_attribute(tag, "x"), axis, "bars start at zero");
        }
        assert_eq!(
            texts_of_class(&svg, "value"),
            ["100.0", "50.0", "25.0", "0.0"]
        );
    }

    #[test]
    fn negative_values_go_left_of_the_zero_axis() {
        let svg = bar_chart(&bars(&[("增加", 80.0), ("减少", -40.0)]));
        let axis = number_attribute(tags_of_class(&svg, "axis")[0], "x1");
        let bar_tags = tags_of_class(&svg, "bar");
        let (positive, negative) = (bar_tags[0], bar_tags[1]);
        assert_eq!(number_attribute(positive, "x"), axis);
        let negative_x = number_attribute(negative, "x");
        let negative_width = number_attribute(negative, "width");
        assert!(negative_x < axis);
        assert!(
            (negative_x + negative_width - axis).abs() < 0.11,
            "ends at the axis"
        );
        assert!((negative_width / number_attribute(positive, "width") - 0.5).abs() < 0.01);
        let value_tags = tags_of_class(&svg, "value");
        assert!(number_attribute(value_tags[1], "x") < negative_x);
        assert_eq!(attribute(value_tags[1], "text-anchor"), "end");
        assert_eq!(texts_of_class(&svg, "value"), ["80.0", "-40.0"]);
        // The label of a negative bar stays clear of its value.
        let label_right = number_attribute(tags_of_class(&svg, "label")[1], "x");
        let value_left = number_attribute(value_tags[1], "x") - text_width(5, FONT_SIZE);
        assert!(label_right < value_left, "{label_right} {value_left}");
    }

    #[test]
    fn grouped_bars_share_one_scale_and_show_the_change() {
        let svg = grouped_bar_chart(&year_on_year(vec![
            Group::new("银川市", vec![100.0, 112.5]),
            Group::new("石嘴山市", vec![200.0, 180.0]),
            Group::new("固原市", vec![0.0, 5.0]),
            Group::new("中卫市", vec![50.0]),
        ]));
        assert_well_formed(&svg);
        let widths: Vec<f64> = tags_of_class(&svg, "bar")
            .iter()
            .map(|tag| number_attribute(tag, "width"))
            .collect();
        // 中卫市 has no 2025 value: seven bars, and its missing mark.
        assert_eq!(widths.len(), 7);
        assert!(
            (widths[1] / widths[2] - 112.5 / 200.0).abs() < 0.01,
            "{widths:?}"
        );
        assert!((widths[3] / widths[2] - 0.9).abs() < 0.01, "{widths:?}");
        let fills: Vec<&str> = tags_of_class(&svg, "bar")
            .iter()
            .map(|tag| attribute(tag, "fill"))
            .collect();
        assert_eq!(&fills[..2], [PALETTE[0], PALETTE[1]]);
        assert_eq!(texts_of_class(&svg, "change"), ["+12.5%", "-10.0%"]);
        assert_eq!(texts_of_class(&svg, "legend"), ["2024年", "2025年"]);
        assert_eq!(texts_of_class(&svg, "value").last().unwrap(), "—");
    }

    #[test]
    fn one_series_has_no_change() {
        let mut chart = year_on_year(vec![Group::new("银川市", vec![100.0])]);
        chart.series.truncate(1);
        let svg = grouped_bar_chart(&chart);
        assert_well_formed(&svg);
        assert!(texts_of_class(&svg, "change").is_empty(), "{svg}");
        assert_eq!(tags_of_class(&svg, "bar").len(), 1);
    }

    #[test]
    fn shares_are_arcs_in_proportion_with_one_decimal_in_the_legend() {
        let svg = share_chart(&shares(&[
            ("电力", 50.0),
            ("天然气", 25.0),
            ("汽油", 12.5),
            ("柴油", 12.5),
            ("煤炭", 0.0),
            ("热力", -3.0),
            ("其他", f64::NAN),
        ]));
        assert_well_formed(&svg);
        let slices = tags_of_class(&svg, "slice");
        assert_eq!(slices.len(), 4, "no arc for zero, negative or missing");
        let lengths: Vec<f64> = slices
            .iter()
            .map(|tag| {
                attribute(tag, "stroke-dasharray")
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        let circumference: f64 = attribute(slices[0], "stroke-dasharray")
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!((lengths.iter().sum::<f64>() - circumference).abs() < 0.5);
        assert!((lengths[1] / lengths[0] - 0.5).abs() < 0.01, "{lengths:?}");
        // Each arc starts where the one before ends.
        let offsets: Vec<f64> = slices
            .iter()
            .map(|tag| number_attribute(tag, "stroke-dashoffset"))
            .collect();
        assert!(
            (offsets[2] + lengths[0] + lengths[1]).abs() < 0.2,
            "{offsets:?}"
        );
        assert_eq!(
            texts_of_class(&svg, "share"),
            ["50.0%", "25.0%", "12.5%", "12.5%", "0.0%", "—", "—"]
        );
        assert_eq!(texts_of_class(&svg, "total"), ["100.0"]);
    }

    #[test]
    fn nothing_to_draw_shows_the_callers_text() {
        let mut empty_grouped = year_on_year(vec![Group::new("银川市", vec![1.0])]);
        empty_grouped.series.clear();
        for svg in [
            bar_chart(&bars(&[])),
            grouped_bar_chart(&year_on_year(Vec::new())),
            grouped_bar_chart(&empty_grouped),
            share_chart(&shares(&[])),
            share_chart(&shares(&[("电力", 0.0), ("天然气", 0.0)])),
            share_chart(&shares(&[("电力", f64::NAN), ("天然气", -1.0)])),
        ] {
            assert_well_formed(&svg);
            assert_eq!(texts_of_class(&svg, "no-data"), ["暂无数据"], "{svg}");
            assert!(
                tags_of_class(&svg, "bar").is_empty() && tags_of_class(&svg, "slice").is_empty()
            );
        }
    }

    #[test]
    fn all_zeros_draw_empty_bars_at_the_axis() {
        let svg = bar_chart(&bars(&[("a", 0.0), ("b", -0.0)]));
        assert_well_formed(&svg);
        for tag in tags_of_class(&svg, "bar") {
            assert_eq!(number_attribute(tag, "width"), 0.0);
        }
        assert_eq!(texts_of_class(&svg, "value"), ["0.0", "0.0"]);
    }

    #[test]
    fn no_number_that_is_not_finite_is_ever_written() {
        let awkward = [
            ("a", f64::NAN),
            ("b", f64::INFINITY),
            ("c", f64::NEG_INFINITY),
            ("d", f64::MAX),
            ("e", -f64::MAX),
            ("f", f64::MIN_POSITIVE),
        ];
        let grouped = year_on_year(vec![
            Group::new("a", vec![f64::NAN, f64::INFINITY]),
            Group::new("b", vec![f64::MAX, -f64::MAX]),
            Group::new("c", vec![f64::MIN_POSITIVE, f64::NAN]),
        ]);
        let only_missing = [("a", f64::NAN), ("b", f64::NAN)];
        for svg in [
            bar_chart(&bars(&awkward)),
            bar_chart(&bars(&only_missing)),
            grouped_bar_chart(&grouped),
            share_chart(&shares(&awkward)),
            share_chart(&shares(&[("a", f64::MAX), ("b", f64::MAX)])),
        ] {
            assert_well_formed(&svg);
            let lower = svg.to_lowercase();
            assert!(!lower.contains("nan") && !lower.contains("inf"), "{svg}");
        }
        let svg = bar_chart(&bars(&awkward));
        assert_eq!(texts_of_class(&svg, "value")[..3], ["—", "—", "—"]);
    }

    #[test]
    fn long_labels_are_cut_by_display_width() {
        // Twenty Chinese characters: forty columns.
        let long = "宁夏回族自治区银川市兴庆区某某街道办事处";
        let cut = truncate_to_columns(long, LABEL_COLUMNS_MAX);
        assert_eq!(cut, "宁夏回族自治区银川市兴…");
        assert!(cut.width() + ELLIPSIS_COLUMNS - 1 <= LABEL_COLUMNS_MAX);
        // Latin letters are one column each, so more of them fit.
        let latin = truncate_to_columns("Yinchuan Shi Xingqing Qu Jiedao Banshichu", 24);
        assert_eq!(latin, "Yinchuan Shi Xingqing …");
        // A character of two columns is never split at the edge.
        assert_eq!(truncate_to_columns("a银川市", 4), "a…");
        assert_eq!(truncate_to_columns("a银川市", 5), "a银…");
        assert_eq!(truncate_to_columns("银川市", 6), "银川市");

        let svg = bar_chart(&bars(&[(long, 1.0), ("银川市", 2.0)]));
        assert_well_formed(&svg);
        assert_eq!(texts_of_class(&svg, "label"), [cut.as_str(), "银川市"]);
        assert!(
            svg.contains(&format!("<title>{long}</title>")),
            "the whole label as tooltip"
        );
        // The label column fits the cut label and no more.
        let label_right = number_attribute(tags_of_class(&svg, "label")[0], "x");
        assert!((label_right - MARGIN - text_width(LABEL_COLUMNS_MAX, FONT_SIZE)).abs() < 0.11);
    }

    #[test]
    fn many_categories_grow_the_chart_downwards() {
        let few: Vec<(String, f64)> = (0..5).map(|index| (format!("县{index}"), 1.0)).collect();
        let many: Vec<(String, f64)> = (0..50).map(|index| (format!("县{index}"), 1.0)).collect();
        let height = |items: &[(String, f64)]| {
            let pairs: Vec<(&str, f64)> = items
                .iter()
                .map(|(label, value)| (label.as_str(), *value))
                .collect();
            view_height(&bar_chart(&bars(&pairs)))
        };
        assert!((height(&many) - height(&few) - 45.0 * ROW_HEIGHT).abs() < 0.11);
    }

    #[test]
    fn values_are_written_with_thousands_separators() {
        assert_eq!(format_value(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(format_value(-1_234.5, 1), "-1,234.5");
        assert_eq!(format_value(1_234.0, 0), "1,234");
        assert_eq!(format_value(123.0, 0), "123");
        assert_eq!(format_value(-0.001, 2), "0.00");
        assert_eq!(format_value(0.5, 3), "0.500");
        assert_eq!(change_text(Some(100.0), Some(112.5)).unwrap(), "+12.5%");
        assert_eq!(change_text(Some(-100.0), Some(-50.0)).unwrap(), "+50.0%");
        assert_eq!(change_text(Some(100.0), Some(100.01)).unwrap(), "0.0%");
        assert_eq!(change_text(Some(0.0), Some(5.0)), None);
        assert_eq!(change_text(None, Some(5.0)), None);
        assert_eq!(
            LabelledValue::from_decimal("电力", Decimal::new(12_345, 2)).value,
            123.45
        );
        assert_eq!(number(-0.04), "0");
        assert_eq!(number(12.25), "12.2");
    }

    /// Writes a page with every kind of chart to /tmp/charts-example.html when
    /// `HUIZONG_CHART_EXAMPLE=1`, to look at in a browser or a screenshot.
    #[test]
    fn example_page() {
        if std::env::var("HUIZONG_CHART_EXAMPLE").as_deref() != Ok("1") {
            return;
        }
        let cities = [
            ("银川市", 1_523_456.7),
            ("石嘴山市", 987_654.3),
            ("吴忠市", 765_432.1),
            ("固原市", 234_567.8),
            ("中卫市", 456_789.0),
            ("宁东能源化工基地管理委员会（代管）", 2_345_678.9),
            ("未报送单位", f64::NAN),
        ];
        let changes = [
            ("兴庆区", 12_345.0),
            ("金凤区", -8_765.4),
            ("西夏区", 3_210.0),
            ("永宁县", -1_234.5),
            ("贺兰县", 0.0),
        ];
        let vehicles = [
            ("载客汽车", 1_234.0),
            ("载货汽车", 567.0),
            ("专项作业车", 89.0),
            ("<script>alert(1)</script>", 3.0),
        ];
        let mut vehicle_chart = bars(&vehicles);
        vehicle_chart.title = "公务用车（按车辆类型）".to_owned();
        vehicle_chart.unit = "单位：辆".to_owned();
        vehicle_chart.decimals = 0;
        let mut change_chart = bars(&changes);
        change_chart.title = "能源消费增减量（按区县）".to_owned();
        let grouped = year_on_year(vec![
            Group::new("银川市", vec![1_400_000.0, 1_523_456.7]),
            Group::new("石嘴山市", vec![1_050_000.0, 987_654.3]),
            Group::new("吴忠市", vec![700_000.0, 765_432.1]),
            Group::new("固原市", vec![0.0, 234_567.8]),
            Group::new("中卫市", vec![f64::NAN, 456_789.0]),
        ]);
        let mix = shares(&[
            ("电力", 456_789.0),
            ("天然气", 234_567.0),
            ("汽油", 123_456.0),
            ("柴油", 98_765.0),
            ("煤炭", 87_654.0),
            ("热力", 45_678.0),
            ("液化石油气", 4_567.0),
        ]);
        let mut title_only = bars(&[]);
        title_only.title = "各市能源消费量（2025年）".to_owned();
        let charts = [
            bar_chart(&BarChart {
                title: "各市能源消费量（2025年）".to_owned(),
                ..bars(&cities)
            }),
            grouped_bar_chart(&grouped),
            share_chart(&mix),
            bar_chart(&change_chart),
            bar_chart(&vehicle_chart),
            bar_chart(&title_only),
        ];
        let mut page = String::from(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>charts</title>\
             <body style=\"margin:0;padding:8px;background:#fff\">\
             <div style=\"display:grid;grid-template-columns:1fr 1fr;gap:12px\">",
        );
        for svg in &charts {
            page.push_str("<div style=\"border:1px solid #e5e5e5;padding:4px\">");
            page.push_str(svg);
            page.push_str("</div>");
        }
        page.push_str("</div></body></html>");
        std::fs::write("/tmp/charts-example.html", page).unwrap();
    }
}
