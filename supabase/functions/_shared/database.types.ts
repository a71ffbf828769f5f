
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "public": {
          Tables: {
            "account_links": {
                  Row: {
                    "account_id": string,"id": string,"linked_at": string,"manual_account": NonNullable<Json>,"manual_history": NonNullable<Json>,"plaid_account_id": string,"synced_account": NonNullable<Json>,"synced_history": NonNullable<Json>,"synced_orphan_transactions": (string)[],"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"id"?: string,"linked_at"?: string,"manual_account": NonNullable<Json>,"manual_history": NonNullable<Json>,"plaid_account_id": string,"synced_account": NonNullable<Json>,"synced_history": NonNullable<Json>,"synced_orphan_transactions"?: (string)[],"user_id": string
                  }
                  Update: {
                    "account_id"?: string,"id"?: string,"linked_at"?: string,"manual_account"?: NonNullable<Json>,"manual_history"?: NonNullable<Json>,"plaid_account_id"?: string,"synced_account"?: NonNullable<Json>,"synced_history"?: NonNullable<Json>,"synced_orphan_transactions"?: (string)[],"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "account_links_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: true
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "account_links_plaid_account_id_fkey"
      columns: ["plaid_account_id"]
isOneToOne: false
      referencedRelation: "plaid_accounts"
      referencedColumns: ["id"]
    }
                  ]
                },"accounts": {
                  Row: {
                    "available_balance": number | null,"balance_updated_at": string | null,"closed_at": string | null,"created_at": string,"credit_limit": number | null,"currency": string | null,"current_balance": number | null,"display_name": string | null,"exclude_from_totals": boolean,"hidden": boolean,"id": string,"institution_name": string | null,"linked_at": string | null,"mask": string | null,"name": string,"source": string,"subtype": string | null,"type": string,"unofficial_currency_code": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "available_balance"?: number | null,"balance_updated_at"?: string | null,"closed_at"?: string | null,"created_at"?: string,"credit_limit"?: number | null,"currency"?: string | null,"current_balance"?: number | null,"display_name"?: string | null,"exclude_from_totals"?: boolean,"hidden"?: boolean,"id"?: string,"institution_name"?: string | null,"linked_at"?: string | null,"mask"?: string | null,"name": string,"source"?: string,"subtype"?: string | null,"type"?: string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Update: {
                    "available_balance"?: number | null,"balance_updated_at"?: string | null,"closed_at"?: string | null,"created_at"?: string,"credit_limit"?: number | null,"currency"?: string | null,"current_balance"?: number | null,"display_name"?: string | null,"exclude_from_totals"?: boolean,"hidden"?: boolean,"id"?: string,"institution_name"?: string | null,"linked_at"?: string | null,"mask"?: string | null,"name"?: string,"source"?: string,"subtype"?: string | null,"type"?: string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"balance_history": {
                  Row: {
                    "account_id": string,"balance": number,"created_at": string,"currency": string | null,"date": string,"source": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"balance": number,"created_at"?: string,"currency"?: string | null,"date": string,"source": string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "account_id"?: string,"balance"?: number,"created_at"?: string,"currency"?: string | null,"date"?: string,"source"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "balance_history_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: false
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"holdings": {
                  Row: {
                    "account_id": string,"cost_basis": number | null,"created_at": string,"id": string,"institution_price": number,"institution_price_as_of": string | null,"institution_value": number,"iso_currency_code": string | null,"item_id": string,"quantity": number,"security_id": string,"unofficial_currency_code": string | null,"updated_at": string,"user_id": string,"vested_quantity": number | null,"vested_value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"cost_basis"?: number | null,"created_at"?: string,"id"?: string,"institution_price": number,"institution_price_as_of"?: string | null,"institution_value": number,"iso_currency_code"?: string | null,"item_id": string,"quantity": number,"security_id": string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id": string,"vested_quantity"?: number | null,"vested_value"?: number | null
                  }
                  Update: {
                    "account_id"?: string,"cost_basis"?: number | null,"created_at"?: string,"id"?: string,"institution_price"?: number,"institution_price_as_of"?: string | null,"institution_value"?: number,"iso_currency_code"?: string | null,"item_id"?: string,"quantity"?: number,"security_id"?: string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string,"vested_quantity"?: number | null,"vested_value"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "holdings_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: false
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "holdings_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "holdings_security_fkey"
      columns: ["user_id","security_id"]
isOneToOne: false
      referencedRelation: "securities"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"investment_transactions": {
                  Row: {
                    "account_id": string,"amount": number,"created_at": string,"date": string,"fees": number | null,"id": string,"iso_currency_code": string | null,"item_id": string,"name": string,"plaid_investment_transaction_id": string,"price": number,"quantity": number,"security_id": string | null,"subtype": string | null,"type": string,"unofficial_currency_code": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"amount": number,"created_at"?: string,"date": string,"fees"?: number | null,"id"?: string,"iso_currency_code"?: string | null,"item_id": string,"name": string,"plaid_investment_transaction_id": string,"price": number,"quantity": number,"security_id"?: string | null,"subtype"?: string | null,"type": string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "account_id"?: string,"amount"?: number,"created_at"?: string,"date"?: string,"fees"?: number | null,"id"?: string,"iso_currency_code"?: string | null,"item_id"?: string,"name"?: string,"plaid_investment_transaction_id"?: string,"price"?: number,"quantity"?: number,"security_id"?: string | null,"subtype"?: string | null,"type"?: string,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "investment_transactions_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: false
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "investment_transactions_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "investment_transactions_security_fkey"
      columns: ["user_id","security_id"]
isOneToOne: false
      referencedRelation: "securities"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"liabilities": {
                  Row: {
                    "account_id": string,"created_at": string,"details": NonNullable<Json>,"id": string,"interest_rate_percentage": number | null,"is_overdue": boolean | null,"item_id": string,"kind": string,"last_payment_amount": number | null,"last_payment_date": string | null,"last_statement_balance": number | null,"last_statement_issue_date": string | null,"maturity_date": string | null,"minimum_payment_amount": number | null,"next_payment_due_date": string | null,"origination_date": string | null,"origination_principal_amount": number | null,"outstanding_interest_amount": number | null,"past_due_amount": number | null,"updated_at": string,"user_id": string,"ytd_interest_paid": number | null,"ytd_principal_paid": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"created_at"?: string,"details"?: NonNullable<Json>,"id"?: string,"interest_rate_percentage"?: number | null,"is_overdue"?: boolean | null,"item_id": string,"kind": string,"last_payment_amount"?: number | null,"last_payment_date"?: string | null,"last_statement_balance"?: number | null,"last_statement_issue_date"?: string | null,"maturity_date"?: string | null,"minimum_payment_amount"?: number | null,"next_payment_due_date"?: string | null,"origination_date"?: string | null,"origination_principal_amount"?: number | null,"outstanding_interest_amount"?: number | null,"past_due_amount"?: number | null,"updated_at"?: string,"user_id": string,"ytd_interest_paid"?: number | null,"ytd_principal_paid"?: number | null
                  }
                  Update: {
                    "account_id"?: string,"created_at"?: string,"details"?: NonNullable<Json>,"id"?: string,"interest_rate_percentage"?: number | null,"is_overdue"?: boolean | null,"item_id"?: string,"kind"?: string,"last_payment_amount"?: number | null,"last_payment_date"?: string | null,"last_statement_balance"?: number | null,"last_statement_issue_date"?: string | null,"maturity_date"?: string | null,"minimum_payment_amount"?: number | null,"next_payment_due_date"?: string | null,"origination_date"?: string | null,"origination_principal_amount"?: number | null,"outstanding_interest_amount"?: number | null,"past_due_amount"?: number | null,"updated_at"?: string,"user_id"?: string,"ytd_interest_paid"?: number | null,"ytd_principal_paid"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "liabilities_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: false
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "liabilities_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"plaid_accounts": {
                  Row: {
                    "account_id": string | null,"created_at": string,"holder_category": string | null,"id": string,"institution_id": string | null,"item_id": string,"mask": string | null,"name": string | null,"official_name": string | null,"persistent_account_id": string | null,"plaid_account_id": string,"replaced_at": string | null,"subtype": string | null,"type": string,"updated_at": string,"user_id": string,"verification_status": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id"?: string | null,"created_at"?: string,"holder_category"?: string | null,"id"?: string,"institution_id"?: string | null,"item_id": string,"mask"?: string | null,"name"?: string | null,"official_name"?: string | null,"persistent_account_id"?: string | null,"plaid_account_id": string,"replaced_at"?: string | null,"subtype"?: string | null,"type": string,"updated_at"?: string,"user_id": string,"verification_status"?: string | null
                  }
                  Update: {
                    "account_id"?: string | null,"created_at"?: string,"holder_category"?: string | null,"id"?: string,"institution_id"?: string | null,"item_id"?: string,"mask"?: string | null,"name"?: string | null,"official_name"?: string | null,"persistent_account_id"?: string | null,"plaid_account_id"?: string,"replaced_at"?: string | null,"subtype"?: string | null,"type"?: string,"updated_at"?: string,"user_id"?: string,"verification_status"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "plaid_accounts_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: true
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "plaid_accounts_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"plaid_items": {
                  Row: {
                    "access_token_secret_id": string | null,"consent_expires_at": string | null,"created_at": string,"error": Json | null,"error_code": string | null,"id": string,"institution_id": string | null,"institution_name": string | null,"last_balance_refresh_at": string | null,"new_accounts_available": boolean,"plaid_item_id": string,"products_available": (string)[],"products_billed": (string)[],"status": string,"status_observed_at": string | null,"updated_at": string,"user_id": string,"webhook_url": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "access_token_secret_id"?: string | null,"consent_expires_at"?: string | null,"created_at"?: string,"error"?: Json | null,"error_code"?: string | null,"id"?: string,"institution_id"?: string | null,"institution_name"?: string | null,"last_balance_refresh_at"?: string | null,"new_accounts_available"?: boolean,"plaid_item_id": string,"products_available"?: (string)[],"products_billed"?: (string)[],"status"?: string,"status_observed_at"?: string | null,"updated_at"?: string,"user_id": string,"webhook_url"?: string | null
                  }
                  Update: {
                    "access_token_secret_id"?: string | null,"consent_expires_at"?: string | null,"created_at"?: string,"error"?: Json | null,"error_code"?: string | null,"id"?: string,"institution_id"?: string | null,"institution_name"?: string | null,"last_balance_refresh_at"?: string | null,"new_accounts_available"?: boolean,"plaid_item_id"?: string,"products_available"?: (string)[],"products_billed"?: (string)[],"status"?: string,"status_observed_at"?: string | null,"updated_at"?: string,"user_id"?: string,"webhook_url"?: string | null
                  }
                  Relationships: [
                    
                  ]
                },"plaid_sync_state": {
                  Row: {
                    "attempts": number,"created_at": string,"cursor": string | null,"dispatch_token": string | null,"due_at": string | null,"has_more": boolean,"initial_sync_done": boolean,"item_id": string,"last_dispatch_id": number | null,"last_dispatched_at": string | null,"last_error": Json | null,"last_error_at": string | null,"last_started_at": string | null,"last_synced_at": string | null,"lease_expires_at": string | null,"lease_id": string | null,"loop_start_cursor": string | null,"next_attempt_at": string | null,"product": string,"requested_at": string | null,"requested_trigger": string | null,"rerun_requested": boolean,"running_since": string | null,"transactions_total": number,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "attempts"?: number,"created_at"?: string,"cursor"?: string | null,"dispatch_token"?: string | null,"due_at"?: string | null,"has_more"?: boolean,"initial_sync_done"?: boolean,"item_id": string,"last_dispatch_id"?: number | null,"last_dispatched_at"?: string | null,"last_error"?: Json | null,"last_error_at"?: string | null,"last_started_at"?: string | null,"last_synced_at"?: string | null,"lease_expires_at"?: string | null,"lease_id"?: string | null,"loop_start_cursor"?: string | null,"next_attempt_at"?: string | null,"product": string,"requested_at"?: string | null,"requested_trigger"?: string | null,"rerun_requested"?: boolean,"running_since"?: string | null,"transactions_total"?: number,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "attempts"?: number,"created_at"?: string,"cursor"?: string | null,"dispatch_token"?: string | null,"due_at"?: string | null,"has_more"?: boolean,"initial_sync_done"?: boolean,"item_id"?: string,"last_dispatch_id"?: number | null,"last_dispatched_at"?: string | null,"last_error"?: Json | null,"last_error_at"?: string | null,"last_started_at"?: string | null,"last_synced_at"?: string | null,"lease_expires_at"?: string | null,"lease_id"?: string | null,"loop_start_cursor"?: string | null,"next_attempt_at"?: string | null,"product"?: string,"requested_at"?: string | null,"requested_trigger"?: string | null,"rerun_requested"?: boolean,"running_since"?: string | null,"transactions_total"?: number,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "plaid_sync_state_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"quarantined_records": {
                  Row: {
                    "first_seen_at": string,"id": string,"item_id": string,"kind": string,"last_seen_at": string,"reason": string,"record": NonNullable<Json>,"record_key": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "first_seen_at"?: string,"id"?: string,"item_id": string,"kind": string,"last_seen_at"?: string,"reason": string,"record": NonNullable<Json>,"record_key": string,"user_id": string
                  }
                  Update: {
                    "first_seen_at"?: string,"id"?: string,"item_id"?: string,"kind"?: string,"last_seen_at"?: string,"reason"?: string,"record"?: NonNullable<Json>,"record_key"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "quarantined_records_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"securities": {
                  Row: {
                    "close_price": number | null,"close_price_as_of": string | null,"created_at": string,"cusip": string | null,"details": NonNullable<Json>,"id": string,"industry": string | null,"institution_id": string | null,"institution_security_id": string | null,"is_cash_equivalent": boolean | null,"isin": string | null,"iso_currency_code": string | null,"item_id": string,"market_identifier_code": string | null,"name": string | null,"plaid_security_id": string,"proxy_security_id": string | null,"sector": string | null,"ticker_symbol": string | null,"type": string | null,"unofficial_currency_code": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "close_price"?: number | null,"close_price_as_of"?: string | null,"created_at"?: string,"cusip"?: string | null,"details"?: NonNullable<Json>,"id"?: string,"industry"?: string | null,"institution_id"?: string | null,"institution_security_id"?: string | null,"is_cash_equivalent"?: boolean | null,"isin"?: string | null,"iso_currency_code"?: string | null,"item_id": string,"market_identifier_code"?: string | null,"name"?: string | null,"plaid_security_id": string,"proxy_security_id"?: string | null,"sector"?: string | null,"ticker_symbol"?: string | null,"type"?: string | null,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "close_price"?: number | null,"close_price_as_of"?: string | null,"created_at"?: string,"cusip"?: string | null,"details"?: NonNullable<Json>,"id"?: string,"industry"?: string | null,"institution_id"?: string | null,"institution_security_id"?: string | null,"is_cash_equivalent"?: boolean | null,"isin"?: string | null,"iso_currency_code"?: string | null,"item_id"?: string,"market_identifier_code"?: string | null,"name"?: string | null,"plaid_security_id"?: string,"proxy_security_id"?: string | null,"sector"?: string | null,"ticker_symbol"?: string | null,"type"?: string | null,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "securities_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"sync_runs": {
                  Row: {
                    "added": number,"error": Json | null,"error_code": string | null,"finished_at": string | null,"id": string,"item_id": string,"lease_id": string | null,"modified": number,"outcome": string,"pages": number,"plaid_request_ids": (string)[],"product": string,"quarantined": number,"removed": number,"started_at": string,"trigger": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "added"?: number,"error"?: Json | null,"error_code"?: string | null,"finished_at"?: string | null,"id"?: string,"item_id": string,"lease_id"?: string | null,"modified"?: number,"outcome"?: string,"pages"?: number,"plaid_request_ids"?: (string)[],"product": string,"quarantined"?: number,"removed"?: number,"started_at"?: string,"trigger": string,"user_id": string
                  }
                  Update: {
                    "added"?: number,"error"?: Json | null,"error_code"?: string | null,"finished_at"?: string | null,"id"?: string,"item_id"?: string,"lease_id"?: string | null,"modified"?: number,"outcome"?: string,"pages"?: number,"plaid_request_ids"?: (string)[],"product"?: string,"quarantined"?: number,"removed"?: number,"started_at"?: string,"trigger"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "sync_runs_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"transactions": {
                  Row: {
                    "account_id": string,"amount": number,"authorized_date": string | null,"authorized_datetime": string | null,"check_number": string | null,"counterparties": Json | null,"created_at": string,"date": string,"datetime": string | null,"id": string,"iso_currency_code": string | null,"item_id": string | null,"location": Json | null,"logo_url": string | null,"merchant_entity_id": string | null,"merchant_name": string | null,"name": string,"original_description": string | null,"payment_channel": string | null,"pending": boolean,"pending_transaction_id": string | null,"pfc_confidence": string | null,"pfc_detailed": string | null,"pfc_primary": string | null,"plaid_transaction_id": string | null,"transaction_code": string | null,"unofficial_currency_code": string | null,"updated_at": string,"user_id": string,"website": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"amount": number,"authorized_date"?: string | null,"authorized_datetime"?: string | null,"check_number"?: string | null,"counterparties"?: Json | null,"created_at"?: string,"date": string,"datetime"?: string | null,"id"?: string,"iso_currency_code"?: string | null,"item_id"?: string | null,"location"?: Json | null,"logo_url"?: string | null,"merchant_entity_id"?: string | null,"merchant_name"?: string | null,"name": string,"original_description"?: string | null,"payment_channel"?: string | null,"pending"?: boolean,"pending_transaction_id"?: string | null,"pfc_confidence"?: string | null,"pfc_detailed"?: string | null,"pfc_primary"?: string | null,"plaid_transaction_id"?: string | null,"transaction_code"?: string | null,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id": string,"website"?: string | null
                  }
                  Update: {
                    "account_id"?: string,"amount"?: number,"authorized_date"?: string | null,"authorized_datetime"?: string | null,"check_number"?: string | null,"counterparties"?: Json | null,"created_at"?: string,"date"?: string,"datetime"?: string | null,"id"?: string,"iso_currency_code"?: string | null,"item_id"?: string | null,"location"?: Json | null,"logo_url"?: string | null,"merchant_entity_id"?: string | null,"merchant_name"?: string | null,"name"?: string,"original_description"?: string | null,"payment_channel"?: string | null,"pending"?: boolean,"pending_transaction_id"?: string | null,"pfc_confidence"?: string | null,"pfc_detailed"?: string | null,"pfc_primary"?: string | null,"plaid_transaction_id"?: string | null,"transaction_code"?: string | null,"unofficial_currency_code"?: string | null,"updated_at"?: string,"user_id"?: string,"website"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "transactions_account_fkey"
      columns: ["user_id","account_id"]
isOneToOne: false
      referencedRelation: "accounts"
      referencedColumns: ["user_id","id"]
    },{
      foreignKeyName: "transactions_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                },"webhook_events": {
                  Row: {
                    "body_sha256": string,"delivery_count": number,"error": Json | null,"id": string,"item_id": string | null,"last_received_at": string,"outcome": string,"payload": Json | null,"plaid_item_id": string | null,"processed_at": string | null,"received_at": string,"user_id": string | null,"webhook_code": string | null,"webhook_type": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "body_sha256": string,"delivery_count"?: number,"error"?: Json | null,"id"?: string,"item_id"?: string | null,"last_received_at"?: string,"outcome"?: string,"payload"?: Json | null,"plaid_item_id"?: string | null,"processed_at"?: string | null,"received_at"?: string,"user_id"?: string | null,"webhook_code"?: string | null,"webhook_type"?: string | null
                  }
                  Update: {
                    "body_sha256"?: string,"delivery_count"?: number,"error"?: Json | null,"id"?: string,"item_id"?: string | null,"last_received_at"?: string,"outcome"?: string,"payload"?: Json | null,"plaid_item_id"?: string | null,"processed_at"?: string | null,"received_at"?: string,"user_id"?: string | null,"webhook_code"?: string | null,"webhook_type"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "webhook_events_item_fkey"
      columns: ["user_id","item_id"]
isOneToOne: false
      referencedRelation: "plaid_items"
      referencedColumns: ["user_id","id"]
    }
                  ]
                }
          }
          Views: {
            "account_overview": {
                  Row: {
                    "action_needed": string | null,"available_balance": number | null,"balance_updated_at": string | null,"closed_at": string | null,"created_at": string,"credit_limit": number | null,"currency": string | null,"current_balance": number | null,"display_name": string | null,"error_code": string | null,"exclude_from_totals": boolean,"hidden": boolean,"id": string,"initial_sync_done": boolean | null,"institution_name": string | null,"item_id": string | null,"item_status": string | null,"label": string | null,"last_synced_at": string | null,"link_undoable": boolean | null,"linked_at": string | null,"mask": string | null,"name": string,"official_name": string | null,"source": string,"subtype": string | null,"sync_in_progress": boolean | null,"transactions_synced": number | null,"type": string,"unofficial_currency_code": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"item_overview": {
                  Row: {
                    "account_count": number | null,"action_needed": string | null,"consent_expires_at": string | null,"created_at": string,"error_code": string | null,"error_display_message": string | null,"id": string,"initial_sync_done": boolean | null,"institution_id": string | null,"institution_name": string | null,"last_balance_refresh_at": string | null,"last_sync_added": number | null,"last_sync_error_at": string | null,"last_sync_error_code": string | null,"last_sync_error_display_message": string | null,"last_sync_finished_at": string | null,"last_sync_modified": number | null,"last_sync_removed": number | null,"last_sync_was_import": boolean | null,"last_synced_at": string | null,"new_accounts_available": boolean,"products_available": (string)[],"products_billed": (string)[],"records_quarantined": number | null,"status": string,"sync_in_progress": boolean | null,"sync_retry_at": string | null,"sync_running": boolean | null,"transactions_synced": number | null,"updated_at": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"net_worth": {
                  Row: {
                    "accounts": number | null,"assets": number | null,"currency": string | null,"institution_id": string | null,"institution_name": string | null,"kind": string | null,"kind_rank": number | null,"level": string | null,"liabilities": number | null,"net_worth": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"net_worth_accounts": {
                  Row: {
                    "account_id": string,"available_balance": number | null,"available_credit": number | null,"balance": number | null,"balance_updated_at": string | null,"closed_on": string | null,"credit_limit": number | null,"currency": string | null,"exclude_from_totals": boolean,"hidden": boolean,"in_totals": boolean | null,"institution_id": string | null,"institution_name": string | null,"is_liability": boolean | null,"item_id": string | null,"kind": string | null,"kind_rank": number | null,"label": string | null,"source": string,"subtype": string | null,"type": string,"utilization": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "account_balance_history":
{ Args: { "p_account_id": string,"p_from": string,"p_to": string }; Returns: {
              "balance": number,"currency": string,"date": string,"estimated": boolean
            }[]
                           },
"link_plaid_account_to_manual":
{ Args: { "manual_account_id": string,"synced_account_id": string }; Returns: string
                           },
"net_worth_history":
{ Args: { "p_from": string,"p_to": string }; Returns: {
              "assets": number,"currency": string,"date": string,"estimated": boolean,"liabilities": number,"net_worth": number
            }[]
                           },
"unlink_account":
{ Args: { "account_id": string }; Returns: string
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "public": {
          Enums: {
            
          }
        }
} as const
