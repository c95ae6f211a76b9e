//! Group commit of audit events: events that arrive while a commit is under way go
//! together in the next transaction; each caller is answered once its event is durable.

use crate::{AppError, Result};
use relais_store::audit::{self, NewAuditEvent};
use relais_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<(), String>>;

/// Most events committed together.
const BATCH: usize = 256;

#[derive(Clone, Debug)]
pub(crate) struct AuditQueue {
    sender: mpsc::Sender<(NewAuditEvent, Reply)>,
}

impl AuditQueue {
    pub(crate) fn start(store: Store) -> Self {
        let (sender, mut receiver) = mpsc::channel::<(NewAuditEvent, Reply)>(4096);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while receiver.recv_many(&mut batch, BATCH).await > 0 {
                let outcome = write(&store, &mut batch).await;
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(outcome.clone());
                }
            }
        });
        Self { sender }
    }

    pub(crate) async fn append(&self, event: NewAuditEvent) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.sender.send((event, reply)).await.map_err(|_| AppError::Internal("audit writer stopped".into()))?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(AppError::Internal(format!("audit write failed: {e}"))),
            Err(_) => Err(AppError::Internal("audit writer stopped".into())),
        }
    }
}

async fn write(store: &Store, batch: &mut [(NewAuditEvent, Reply)]) -> Result<(), String> {
    let run = async {
        let mut tx = store.begin_write().await?;
        audit::append_many(&mut tx, batch.iter().map(|(event, _)| event.clone()).collect()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok::<(), StoreError>(())
    };
    run.await.map_err(|e| e.to_string())
}
