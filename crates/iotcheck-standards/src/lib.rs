//! Catalogs and the verdict engine.
//!
//! The catalogs are data files under `catalogs/`, embedded in the binary and
//! validated once by [`Catalog::builtin`]:
//!
//! - `checks.toml`: every check id, its title, analyzer and inputs;
//! - `minimum.toml`: the five minimum standards, split into requirements that
//!   name the checks deciding them;
//! - `claims.toml`: the fixed vocabulary of vendor claims and the checks that
//!   can contradict each;
//! - one file per other regime (ETSI EN 303 645, UK PSTI, NIST IR 8425,
//!   EU CRA), mapping its provisions to our requirements.
//!
//! [`decide`] turns check results into a verdict per requirement, per
//! standard and overall, and maps them onto the regimes; [`contradictions`]
//! sets vendor claims against the results. Nothing here reads files at run
//! time or talks to a device: analyzers produce the results, the engine
//! crate runs them.
//!
//! ```
//! use iotcheck_standards::{decide, Catalog, Context};
//!
//! let catalog = Catalog::builtin().unwrap();
//! let decision = decide(&catalog, &[], &Context::default());
//! // With no input at all, nothing can be decided.
//! assert_eq!(decision.overall, iotcheck_model::Verdict::Inconclusive);
//! assert_eq!(decision.standards.len(), 5);
//! ```

mod catalog;
mod checks_md;
mod claims;
mod verdict;

pub use catalog::{
    Analyzer, Catalog, CatalogError, CheckSpec, ClaimSpec, ClaimType, Decide, Provision, Regime,
    Requirement, STANDARD_IDS, Standard,
};
pub use checks_md::render_checks_md;
pub use claims::{ClaimError, ClaimValue, Claims};
pub use verdict::{Context, Decision, contradictions, decide};
