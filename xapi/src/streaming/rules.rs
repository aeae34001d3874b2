//! Filtered-stream rules: list, add, delete, validate, and sync to a desired set.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;

use crate::answer::error::Error;
use crate::client::Client;
use crate::models::{
    AddOrDeleteRulesRequest, AddOrDeleteRulesRequestDelete, Problem, Rule, RuleNoId,
};
use crate::requests::Api;

/// A rule to add: its value (the filter) and an optional tag.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NewRule {
    /// The filter, e.g. `#RustLang -is:retweet`.
    pub value: String,
    /// A label of your choosing, echoed in `matching_rules`.
    pub tag: Option<String>,
}

impl NewRule {
    /// A rule without a tag.
    pub fn new(value: impl Into<String>) -> Self {
        NewRule {
            value: value.into(),
            tag: None,
        }
    }

    /// A rule with a tag.
    pub fn tagged(value: impl Into<String>, tag: impl Into<String>) -> Self {
        NewRule {
            value: value.into(),
            tag: Some(tag.into()),
        }
    }
}

/// Length limits checked before rules are sent.
///
/// The API document gives no length for a rule's value or tag. X's
/// filtered-stream documentation gives the value's by access level: up to
/// 1024 characters with Pro access, up to 2048 with Enterprise access, and
/// 512 for the access levels below Pro. The default is 512, which every
/// access level accepts; pass [`RuleLimits::PRO`], [`RuleLimits::ENTERPRISE`]
/// (or any other value) to [`Rules::with_limits`] to allow longer rules.
/// X documents no length for tags, so none is checked unless one is set.
///
/// Characters are counted as Unicode code points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleLimits {
    /// Longest rule value, in characters.
    pub max_value_chars: usize,
    /// Longest tag, in characters (`None`: not checked).
    pub max_tag_chars: Option<usize>,
}

setters!(RuleLimits {
    max_value_chars: usize,
    max_tag_chars: Option<usize>,
});

impl RuleLimits {
    /// 512 characters per rule: the access levels below Pro.
    pub const STANDARD: RuleLimits = RuleLimits {
        max_value_chars: 512,
        max_tag_chars: None,
    };
    /// 1024 characters per rule: Pro access.
    pub const PRO: RuleLimits = RuleLimits {
        max_value_chars: 1024,
        max_tag_chars: None,
    };
    /// 2048 characters per rule: Enterprise access.
    pub const ENTERPRISE: RuleLimits = RuleLimits {
        max_value_chars: 2048,
        max_tag_chars: None,
    };
}

impl Default for RuleLimits {
    fn default() -> Self {
        RuleLimits::STANDARD
    }
}

const UPDATE: &str = "updateRules";

fn refused(parameter: &str, rule: String) -> Error {
    Error::InvalidRequest {
        operation: UPDATE,
        parameter: parameter.to_owned(),
        rule,
    }
}

/// A rule value must hold something besides white space.
fn check_value_present(index: usize, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(refused(
            "value",
            format!("rule {index}: must not be empty (is {value:?})"),
        ));
    }
    Ok(())
}

/// Rule ids to delete must match the `RuleId` pattern `^[0-9]{1,19}$`;
/// values to delete must not be empty.
fn check_deletions(ids: &[String], values: &[String]) -> Result<(), Error> {
    for (i, id) in ids.iter().enumerate() {
        if !crate::write::posts::is_valid_id(id) {
            return Err(refused(
                "ids",
                format!("item {i}: {id:?} is not a rule id (pattern ^[0-9]{{1,19}}$)"),
            ));
        }
    }
    for (i, value) in values.iter().enumerate() {
        check_value_present(i, value)?;
    }
    Ok(())
}

impl NewRule {
    /// Checks the rule against `limits` without sending anything: the value
    /// must not be empty (or only white space) nor longer than
    /// `limits.max_value_chars`, and the tag not longer than
    /// `limits.max_tag_chars`.
    ///
    /// The error is [`Error::InvalidRequest`] with operation `updateRules`
    /// and parameter `value` or `tag`.
    pub fn validate(&self, limits: &RuleLimits) -> Result<(), Error> {
        self.check(0, limits)
    }

    fn check(&self, index: usize, limits: &RuleLimits) -> Result<(), Error> {
        check_value_present(index, &self.value)?;
        let chars = self.value.chars().count();
        if chars > limits.max_value_chars {
            return Err(refused(
                "value",
                format!(
                    "rule {index}: must be at most {} characters long (is {chars})",
                    limits.max_value_chars
                ),
            ));
        }
        if let (Some(tag), Some(max)) = (&self.tag, limits.max_tag_chars) {
            let chars = tag.chars().count();
            if chars > max {
                return Err(refused(
                    "tag",
                    format!("rule {index}: must be at most {max} characters long (is {chars})"),
                ));
            }
        }
        Ok(())
    }
}

/// A rule the API refused, with its reason.
#[derive(Clone, Debug)]
pub struct RuleFailure {
    /// The rule's value (or id, for deletions).
    pub rule: String,
    /// What the API said.
    pub problem: Problem,
}

/// What a change did.
#[derive(Clone, Debug, Default)]
pub struct RuleChange {
    /// Rules created (with their ids), or that would be, with `dry_run`.
    pub created: Vec<Rule>,
    /// Rules deleted, by id.
    pub deleted: Vec<String>,
    /// Rules the API refused.
    pub failures: Vec<RuleFailure>,
    /// Calls made.
    pub calls: usize,
}

impl RuleChange {
    /// Whether the API refused nothing.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// The change, or [`Error::InvalidRequest`] (parameter `rules`) listing
    /// each refused rule when the API refused any: for callers that treat a
    /// partial success as a failure. The rules created are then only in
    /// the change this is called on, so look before.
    pub fn into_result(self) -> Result<RuleChange, Error> {
        Rules::check(self)
    }
}

/// The calls `sync` makes: rules to delete (by id) and rules to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulePlan {
    /// Ids of live rules that are not desired.
    pub delete_ids: Vec<String>,
    /// Desired rules that are not live.
    pub add: Vec<NewRule>,
    /// Live rules kept as they are.
    pub unchanged: usize,
}

impl RulePlan {
    /// Computes the difference between the live rules and the desired ones.
    /// A rule is the same when value and tag are; a changed tag is a delete
    /// plus an add (the API has no update).
    pub fn between(current: &[Rule], desired: &[NewRule]) -> RulePlan {
        let wanted: BTreeSet<NewRule> = desired.iter().cloned().collect();
        let mut live: BTreeMap<NewRule, Vec<String>> = BTreeMap::new();
        for rule in current {
            let key = NewRule {
                value: rule.value.as_deref().unwrap_or_default().to_owned(),
                tag: rule.tag.as_deref().map(str::to_owned),
            };
            live.entry(key)
                .or_default()
                .push(rule.id.as_deref().unwrap_or_default().to_owned());
        }
        let mut plan = RulePlan::default();
        for (key, ids) in &live {
            if wanted.contains(key) {
                plan.unchanged += 1;
                // Duplicates of a wanted rule go.
                plan.delete_ids.extend(ids.iter().skip(1).cloned());
            } else {
                plan.delete_ids.extend(ids.iter().cloned());
            }
        }
        plan.add = wanted
            .into_iter()
            .filter(|k| !live.contains_key(k))
            .collect();
        plan.delete_ids.sort();
        plan
    }

    /// Whether nothing needs to change.
    pub fn is_empty(&self) -> bool {
        self.delete_ids.is_empty() && self.add.is_empty()
    }
}

/// Rule management for the filtered stream; see [`Client::rules`].
///
/// Rules to add are checked against [`RuleLimits`] (the default unless
/// [`with_limits`](Self::with_limits) says otherwise) and rule ids against
/// the `RuleId` pattern before anything is sent.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'c> {
    client: &'c Client,
    limits: RuleLimits,
}

fn failures(errors: &[Problem]) -> Vec<RuleFailure> {
    errors
        .iter()
        .map(|p| RuleFailure {
            rule: p
                .value
                .as_deref()
                .or(p.id.as_deref())
                .map(str::to_owned)
                .or_else(|| {
                    p.extra
                        .get("value")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_default(),
            problem: p.clone(),
        })
        .collect()
}

impl<'c> Rules<'c> {
    /// Uses `limits` instead of [`RuleLimits::default`].
    pub fn with_limits(mut self, limits: RuleLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits rules are checked against.
    pub fn limits(&self) -> RuleLimits {
        self.limits
    }

    fn check_new(&self, rules: &[NewRule]) -> Result<(), Error> {
        rules
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| r.check(i, &self.limits))
    }

    /// Every live rule (following pages).
    pub async fn list(&self) -> Result<Vec<Rule>, Error> {
        let mut out = Vec::new();
        let mut pages = self.client.stream().get_rules().max_results(1000).pages();
        while let Some(page) = pages.next().await {
            out.extend(page?.into_body().data.unwrap_or_default());
        }
        Ok(out)
    }

    /// Adds rules in one call. With `dry_run`, the API only validates them.
    /// Each rule is checked first (see [`NewRule::validate`]); nothing is
    /// sent when one fails. Rules the API refuses are in
    /// [`RuleChange::failures`], beside the ones it created: a partial
    /// success is `Ok` (see [`RuleChange::into_result`] to treat it as an
    /// error).
    pub async fn add(&self, rules: &[NewRule], dry_run: bool) -> Result<RuleChange, Error> {
        self.check_new(rules)?;
        if rules.is_empty() {
            return Ok(RuleChange::default());
        }
        let body = AddOrDeleteRulesRequest {
            add: Some(
                rules
                    .iter()
                    .map(|r| RuleNoId {
                        value: Some(r.value.as_str().into()),
                        tag: r.tag.as_deref().map(Into::into),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        let reply = self
            .client
            .stream()
            .update_rules(body)
            .dry_run(dry_run)
            .send()
            .await?;
        let body = reply.into_body();
        let change = RuleChange {
            created: body.data.unwrap_or_default(),
            failures: failures(body.errors.as_deref().unwrap_or(&[])),
            calls: 1,
            ..Default::default()
        };
        Ok(change)
    }

    /// Deletes rules by id in one call. Each id must match the `RuleId`
    /// pattern `^[0-9]{1,19}$` (parameter `ids`); nothing is sent otherwise.
    pub async fn delete_ids(&self, ids: &[String], dry_run: bool) -> Result<RuleChange, Error> {
        self.delete(Some(ids.to_vec()), None, dry_run).await
    }

    /// Deletes rules by value in one call. An empty value is refused
    /// (parameter `value`) before anything is sent; the length limits are
    /// not applied, so rules added under other limits can still go.
    pub async fn delete_values(
        &self,
        values: &[String],
        dry_run: bool,
    ) -> Result<RuleChange, Error> {
        self.delete(None, Some(values.to_vec()), dry_run).await
    }

    async fn delete(
        &self,
        ids: Option<Vec<String>>,
        values: Option<Vec<String>>,
        dry_run: bool,
    ) -> Result<RuleChange, Error> {
        check_deletions(
            ids.as_deref().unwrap_or_default(),
            values.as_deref().unwrap_or_default(),
        )?;
        let n = ids.as_ref().map_or(0, Vec::len) + values.as_ref().map_or(0, Vec::len);
        if n == 0 {
            return Ok(RuleChange::default());
        }
        let deleted = ids.clone().unwrap_or_default();
        let body = AddOrDeleteRulesRequest {
            delete: Some(AddOrDeleteRulesRequestDelete {
                ids: ids.map(|l| l.into_iter().map(Into::into).collect()),
                values: values.map(|l| l.into_iter().map(Into::into).collect()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let reply = self
            .client
            .stream()
            .update_rules(body)
            .dry_run(dry_run)
            .send()
            .await?;
        let body = reply.into_body();
        let failures = failures(body.errors.as_deref().unwrap_or(&[]));
        // An id the API refused was not deleted.
        let deleted = deleted
            .into_iter()
            .filter(|id| !failures.iter().any(|f| f.rule == *id))
            .collect();
        Ok(RuleChange {
            deleted,
            failures,
            calls: 1,
            ..Default::default()
        })
    }

    fn check(change: RuleChange) -> Result<RuleChange, Error> {
        if change.failures.is_empty() {
            Ok(change)
        } else {
            let detail: Vec<String> = change
                .failures
                .iter()
                .map(|f| {
                    format!(
                        "{:?}: {}",
                        f.rule,
                        f.problem
                            .detail
                            .as_deref()
                            .or(f.problem.title.as_deref())
                            .unwrap_or("refused")
                    )
                })
                .collect();
            Err(refused("rules", detail.join("; ")))
        }
    }

    /// Makes the live rules equal to `desired` in the fewest calls: one
    /// deletion (if any) then one addition (if any). Returns the plan applied.
    /// The desired rules are checked before the live ones are listed.
    pub async fn sync(
        &self,
        desired: &[NewRule],
        dry_run: bool,
    ) -> Result<(RulePlan, RuleChange), Error> {
        self.check_new(desired)?;
        let current = self.list().await?;
        let plan = RulePlan::between(&current, desired);
        let mut change = RuleChange {
            calls: 1,
            ..Default::default()
        };
        if !plan.delete_ids.is_empty() {
            let d = self.delete_ids(&plan.delete_ids, dry_run).await?;
            change.deleted = d.deleted;
            change.failures.extend(d.failures);
            change.calls += d.calls;
        }
        if !plan.add.is_empty() {
            let a = self.add(&plan.add, dry_run).await?;
            change.created = a.created;
            change.failures.extend(a.failures);
            change.calls += a.calls;
        }
        Ok((plan, change))
    }
}

impl Client {
    /// Filtered-stream rule management.
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            client: self,
            limits: RuleLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, value: &str, tag: Option<&str>) -> Rule {
        Rule {
            id: Some(id.into()),
            value: Some(value.into()),
            tag: tag.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn plan_adds_missing_deletes_unwanted_and_keeps_the_rest() {
        let current = vec![
            rule("1", "rust", Some("lang")),
            rule("2", "cats", None),
            rule("3", "go", Some("old-tag")),
        ];
        let desired = vec![
            NewRule::tagged("rust", "lang"),
            NewRule::tagged("go", "new-tag"),
            NewRule::new("zig"),
        ];
        let plan = RulePlan::between(&current, &desired);
        assert_eq!(plan.delete_ids, vec!["2".to_string(), "3".to_string()]);
        assert_eq!(
            plan.add,
            vec![NewRule::tagged("go", "new-tag"), NewRule::new("zig")]
        );
        assert_eq!(plan.unchanged, 1);
        assert!(RulePlan::between(&[rule("1", "rust", None)], &[NewRule::new("rust")]).is_empty());
        let dupes = RulePlan::between(
            &[rule("1", "a", None), rule("2", "a", None)],
            &[NewRule::new("a")],
        );
        assert_eq!(dupes.delete_ids, vec!["2".to_string()]);
    }

    fn refusal(result: Result<(), Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest {
                operation,
                parameter,
                rule,
            }) => {
                assert_eq!(operation, "updateRules");
                (parameter, rule)
            }
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn rule_values_must_not_be_empty() {
        let limits = RuleLimits::default();
        for value in ["", " ", "\t\n"] {
            let (parameter, rule) = refusal(NewRule::new(value).validate(&limits));
            assert_eq!(parameter, "value", "{value:?}");
            assert!(rule.contains("must not be empty"), "{rule}");
        }
        assert!(NewRule::new("a").validate(&limits).is_ok());
    }

    #[test]
    fn rule_values_are_limited_by_access_level() {
        assert_eq!(RuleLimits::default(), RuleLimits::STANDARD);
        for (limits, max) in [
            (RuleLimits::STANDARD, 512),
            (RuleLimits::PRO, 1024),
            (RuleLimits::ENTERPRISE, 2048),
        ] {
            assert_eq!(limits.max_value_chars, max);
            assert!(NewRule::new("x".repeat(max)).validate(&limits).is_ok());
            let (parameter, rule) = refusal(NewRule::new("x".repeat(max + 1)).validate(&limits));
            assert_eq!(parameter, "value");
            assert!(
                rule.contains(&format!("at most {max} characters long (is {})", max + 1)),
                "{rule}"
            );
        }
        // Code points, not bytes: 512 three-byte characters fit.
        let wide = "\u{20AC}".repeat(512);
        assert!(NewRule::new(wide).validate(&RuleLimits::STANDARD).is_ok());
    }

    #[test]
    fn tags_are_checked_only_against_a_set_limit() {
        let long_tag = NewRule::tagged("rust", "t".repeat(600));
        assert!(long_tag.validate(&RuleLimits::default()).is_ok());
        let limits = RuleLimits {
            max_tag_chars: Some(16),
            ..RuleLimits::PRO
        };
        let (parameter, rule) = refusal(long_tag.validate(&limits));
        assert_eq!(parameter, "tag");
        assert!(rule.contains("at most 16 characters"), "{rule}");
        assert!(NewRule::tagged("rust", "t".repeat(16))
            .validate(&limits)
            .is_ok());
    }

    #[test]
    fn deletions_need_rule_ids_and_values() {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(check_deletions(&strings(&["1", "1234567890123456789"]), &strings(&["a"])).is_ok());
        for bad in ["", "r1", "12345678901234567890", "-1"] {
            let (parameter, rule) = refusal(check_deletions(&strings(&["1", bad]), &[]));
            assert_eq!(parameter, "ids", "{bad:?}");
            assert!(rule.starts_with("item 1:"), "{rule}");
        }
        let (parameter, _) = refusal(check_deletions(&[], &strings(&["rust", " "])));
        assert_eq!(parameter, "value");
    }

    #[test]
    fn the_failing_rule_is_numbered() {
        let client = Client::builder()
            .bearer_token("t")
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("client");
        let rules = client.rules();
        let desired = [NewRule::new("ok"), NewRule::new("fine"), NewRule::new("")];
        let (parameter, rule) = refusal(rules.check_new(&desired));
        assert_eq!(parameter, "value");
        assert!(rule.starts_with("rule 2:"), "{rule}");
        assert!(rules.check_new(&desired[..2]).is_ok());
        assert_eq!(rules.with_limits(RuleLimits::PRO).limits(), RuleLimits::PRO);
    }
}
