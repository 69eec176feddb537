//! Rendering for pages that want pictures, not data: SVG strings of the month calendar and
//! progress bars, themeable, in zh-CN or en, and a share poster as Canvas 2D draw commands.
//! Pure functions of a view and a theme.

mod canvas;
mod svg;
mod theme;

pub use canvas::{poster, POSTER_HEIGHT, POSTER_WIDTH};
pub use svg::{calendar_svg, escape, monthly_svg, progress_svg};
pub use theme::Theme;
