//! Rendering for pages that want pictures, not data: SVG strings of the month calendar and
//! progress bars, themeable, in zh-CN or en. Pure functions of a view and a theme.

mod svg;
mod theme;

pub use svg::{calendar_svg, escape, progress_svg};
pub use theme::Theme;
