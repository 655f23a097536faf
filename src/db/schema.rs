//! Hand-kept, portable table definitions shared by the SQLite and PostgreSQL migrations.

diesel::table! {
    plans (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        title_en -> Text,
        doc_number -> Nullable<Text>,
        issued -> Nullable<Date>,
        horizon_start -> Integer,
        horizon_end -> Integer,
        source_file -> Text,
        source_line -> Nullable<Integer>,
        retired_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        in_force_from -> Nullable<Date>,
        in_force_until -> Nullable<Date>,
    }
}

diesel::table! {
    indicators (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        name_en -> Text,
        unit -> Text,
        higher_is_better -> Bool,
        can_be_negative -> Bool,
        notes -> Nullable<Text>,
        retired_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        notes_en -> Nullable<Text>,
        aggregate -> Nullable<Text>,
        report_frequency -> Nullable<Text>,
        report_due_days -> Nullable<Integer>,
        reporter -> Nullable<Text>,
    }
}

diesel::table! {
    targets (id) {
        id -> BigInt,
        slug -> Text,
        plan_id -> BigInt,
        indicator_id -> BigInt,
        name -> Text,
        name_en -> Text,
        kind -> Text,
        comparator -> Nullable<Text>,
        value -> Double,
        value_max -> Nullable<Double>,
        unit -> Text,
        scale -> Double,
        tolerance -> Nullable<Double>,
        reference_year -> Nullable<Integer>,
        deadline -> Text,
        deadline_date -> Date,
        deadline_implied -> Bool,
        baseline_value -> Nullable<Double>,
        baseline_year -> Nullable<Integer>,
        baseline_line -> Nullable<Integer>,
        stretch -> Bool,
        binding -> Nullable<Bool>,
        region -> Text,
        source_line -> Integer,
        source_quote -> Text,
        notes -> Nullable<Text>,
        retired_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        cumulative -> Bool,
        base_year -> Nullable<Integer>,
        notes_en -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        department -> Nullable<Text>,
    }
}

diesel::table! {
    uploads (id) {
        id -> BigInt,
        file_name -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        received_at -> Timestamp,
        uploaded_by -> Text,
        channel -> Text,
        rows_total -> Integer,
        rows_new -> Integer,
        rows_revised -> Integer,
        rows_unchanged -> Integer,
        outcome -> Text,
        error_report -> Nullable<Text>,
        error_count -> Integer,
        raw -> Binary,
    }
}

diesel::table! {
    actuals (id) {
        id -> BigInt,
        indicator_id -> BigInt,
        region -> Text,
        period -> Text,
        period_end -> Date,
        value -> Double,
        note -> Nullable<Text>,
        source -> Nullable<Text>,
        upload_id -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    inbox_claims (id) {
        id -> BigInt,
        file_name -> Text,
        sha256 -> Text,
        claimed_by -> Text,
        claimed_at -> Timestamp,
        upload_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        session_hash -> Text,
        token_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        period_key -> Text,
        plan -> Nullable<Text>,
        as_of -> Date,
        lang -> Text,
        method -> Text,
        status -> Text,
        file_path -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        snapshot -> Nullable<Text>,
        number -> Nullable<Text>,
        known_at -> Nullable<Date>,
        department -> Nullable<Text>,
    }
}

diesel::table! {
    data_changes (id) {
        id -> BigInt,
        changed_at -> Timestamp,
        indicator_ids -> Nullable<Text>,
    }
}

diesel::table! {
    plan_drafts (id) {
        id -> BigInt,
        file_name -> Text,
        format -> Text,
        text -> Text,
        draft -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        published_slug -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    published_plans (id) {
        id -> BigInt,
        slug -> Text,
        version -> Integer,
        catalog -> Text,
        document_name -> Text,
        document_text -> Text,
        draft_id -> Nullable<BigInt>,
        published_by -> Text,
        published_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(targets -> plans (plan_id));

diesel::joinable!(targets -> indicators (indicator_id));
diesel::table! {
    regions (name) {
        name -> Text,
        position -> Integer,
        is_city -> Bool,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        name_en -> Text,
        kind -> Text,
        aliases -> Text,
        retired_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    target_owners (target_slug, department_slug) {
        target_slug -> Text,
        department_slug -> Text,
        position -> Integer,
        line -> Integer,
    }
}

diesel::table! {
    duty_changes (id) {
        id -> BigInt,
        indicator_slug -> Text,
        frequency -> Text,
        due_days -> Integer,
        reporter -> Nullable<Text>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        dedupe_key -> Text,
        kind -> Text,
        department -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        webhook -> Nullable<Text>,
    }
}

diesel::table! {
    target_marks (target_slug) {
        target_slug -> Text,
        status -> Text,
        marked_at -> Timestamp,
    }
}

diesel::joinable!(actuals -> indicators (indicator_id));
diesel::joinable!(actuals -> uploads (upload_id));
diesel::joinable!(web_sessions -> api_tokens (token_id));

diesel::allow_tables_to_appear_in_same_query!(
    plans,
    indicators,
    targets,
    api_tokens,
    uploads,
    actuals,
    audit_log,
    inbox_claims,
    reports,
    web_sessions,
    data_changes,
    regions,
    departments,
    target_owners,
    duty_changes,
    notifications,
    target_marks,
    plan_drafts,
    published_plans
);
